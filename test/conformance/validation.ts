import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../src/core/envelope.js';
import type { EventLog, FetchOptions, Settlement, StartFrom } from '../../src/log/types.js';
import { collect, expectError, fetch, makeEvents, withLog, type ConformanceTarget } from './helpers.js';

const BAD_NAMES: unknown[] = ['', '.hidden', '-x', 'a b', 'a/b', 'x'.repeat(201), 'ünïcode', 42, undefined];
const BAD_FROM: [unknown, string][] = [
  ['first', 'from'], [{}, 'from'], [null, 'from'], [{ position: 0 }, 'from.position'], [{ position: 1.5 }, 'from.position'],
  [{ time: 'yesterday' }, 'from.time'], [{ time: new Date(Number.NaN) }, 'from.time'],
];

const as = <T>(value: unknown): T => value as T;

/** Malformed names and options are rejected with HERALD_E_INVALID_ARGUMENT naming the field; a closed log rejects everything. */
export function validationSuite(target: ConformanceTarget): void {
  describe(`${target.name}: validation and close`, () => {
    it('invalid topic names are rejected by every operation, naming `topic`', withLog(target, [], async (log) => {
      const event = makeEvents(1)[0]!;
      for (const bad of BAD_NAMES) {
        const topic = as<string>(bad);
        const calls: [string, () => unknown][] = [
          ['append', () => log.append(topic, [event])],
          ['read', () => collect(log.read(topic))],
          ['fetch', () => fetch(log, topic, 'g')],
          ['settle', () => log.settle(topic, 'g', [])],
          ['requeue', () => log.requeue(topic, 'g', event, 1)],
          ['topicInfo', () => log.topicInfo(topic)],
          ['resetGroup', () => log.resetGroup(topic, 'g', 'earliest')],
          ['deleteGroup', () => log.deleteGroup(topic, 'g')],
          ['setRetention', () => log.setRetention(topic, {})],
          ['deleteEvent', () => log.deleteEvent(topic, 1)],
          ['onAppend', () => log.onAppend(topic, () => undefined)],
        ];
        // groups() without a topic lists every topic.
        if (bad !== undefined) calls.push(['groups', () => log.groups(topic)]);
        for (const [name, call] of calls) await expectError(call, 'HERALD_E_INVALID_ARGUMENT', 'topic', `${name}(${JSON.stringify(bad)})`);
      }
      assert.deepEqual(await log.topics(), [], 'no topic was created');
    }));

    it('invalid group names are rejected, naming `group`', withLog(target, [], async (log) => {
      const event = makeEvents(1)[0]!;
      await log.append('orders', [event]);
      for (const bad of BAD_NAMES) {
        const group = as<string>(bad);
        const calls: [string, () => unknown][] = [
          ['fetch', () => fetch(log, 'orders', group)],
          ['settle', () => log.settle('orders', group, [])],
          ['requeue', () => log.requeue('orders', group, event, 1)],
          ['resetGroup', () => log.resetGroup('orders', group, 'earliest')],
          ['deleteGroup', () => log.deleteGroup('orders', group)],
        ];
        for (const [name, call] of calls) await expectError(call, 'HERALD_E_INVALID_ARGUMENT', 'group', `${name}(${JSON.stringify(bad)})`);
      }
      assert.deepEqual(await log.groups('orders'), [], 'no group was created');
    }));

    it('fetch and read options are checked, naming the field', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(2));
      for (const [max, field] of [[0, 'max'], [-1, 'max'], [1.5, 'max'], [Number.NaN, 'max'], ['3', 'max']] as const) {
        await expectError(() => log.fetch('orders', 'g', as<FetchOptions>({ max, leaseMs: 1_000 })), 'HERALD_E_INVALID_ARGUMENT', field);
      }
      for (const leaseMs of [0, -5, 2.5, Infinity]) {
        await expectError(() => log.fetch('orders', 'g', { max: 1, leaseMs }), 'HERALD_E_INVALID_ARGUMENT', 'leaseMs');
      }
      for (const [from, field] of BAD_FROM) {
        await expectError(() => fetch(log, 'orders', 'g', { from: as<StartFrom>(from) }), 'HERALD_E_INVALID_ARGUMENT', field);
        await expectError(() => collect(log.read('orders', { from: as<StartFrom>(from) })), 'HERALD_E_INVALID_ARGUMENT', field);
        await expectError(() => log.resetGroup('orders', 'g', as<StartFrom>(from)), 'HERALD_E_INVALID_ARGUMENT', field);
      }
      for (const limit of [0, -1, 1.5, Number.NaN]) {
        await expectError(() => collect(log.read('orders', { limit })), 'HERALD_E_INVALID_ARGUMENT', 'limit');
      }
      assert.deepEqual(await log.groups('orders'), [], 'a rejected fetch creates no group');
      const [d] = await fetch(log, 'orders', 'g', { max: 1 });
      await expectError(() => fetch(log, 'orders', 'g', { from: as<StartFrom>('first') }), 'HERALD_E_INVALID_ARGUMENT', 'from');
      assert.ok(d, 'an existing group checks `from` too');
    }));

    it('settlements are checked before any is applied, naming the index and field', withLog(target, [], async (log) => {
      await log.append('orders', makeEvents(1));
      const [d] = await fetch(log, 'orders', 'g');
      const good: Settlement = { kind: 'ack', position: d!.position, leaseId: d!.leaseId };
      const bad: [unknown, string][] = [
        [{ kind: 'drop', position: 1, leaseId: 1 }, 'settlements[1].kind'],
        [{ kind: 'ack', position: 0, leaseId: 1 }, 'settlements[1].position'],
        [{ kind: 'ack', position: 1, leaseId: 'x' }, 'settlements[1].leaseId'],
        [{ kind: 'nack', position: 1, leaseId: 1, delayMs: -1 }, 'settlements[1].delayMs'],
        [{ kind: 'extend', position: 1, leaseId: 1, leaseMs: 0 }, 'settlements[1].leaseMs'],
      ];
      for (const [settlement, field] of bad) {
        await expectError(() => log.settle('orders', 'g', [good, as<Settlement>(settlement)]), 'HERALD_E_INVALID_ARGUMENT', field);
      }
      assert.equal((await log.groups('orders'))[0]?.pending, 1, 'the valid ack before the bad one was not applied');
      assert.deepEqual(await log.settle('orders', 'g', [good]), ['ok']);
    }));

    it('retention, requeue and deleteEvent arguments are checked', withLog(target, [], async (log) => {
      const [event] = makeEvents(1);
      await log.append('orders', [event!]);
      await expectError(() => log.setRetention('orders', { maxCount: 0 }), 'HERALD_E_INVALID_ARGUMENT', 'retention.maxCount');
      await expectError(() => log.setRetention('orders', { maxAgeMs: -5 }), 'HERALD_E_INVALID_ARGUMENT', 'retention.maxAgeMs');
      await expectError(() => log.setRetention('orders', { maxAgeMs: 1.5 }), 'HERALD_E_INVALID_ARGUMENT', 'retention.maxAgeMs');
      assert.deepEqual((await log.topicInfo('orders'))?.retention, {}, 'a rejected retention changes nothing');
      await expectError(() => log.requeue('orders', 'g', event!, 0), 'HERALD_E_INVALID_ARGUMENT', 'position');
      const broken = as<CloudEvent>({ ...event, specversion: '0.3' });
      const error = await expectError(() => log.requeue('orders', 'g', broken, 1), 'HERALD_E_INVALID_EVENT');
      assert.match(error.message, /specversion/);
      await expectError(() => log.deleteEvent('orders', 0), 'HERALD_E_INVALID_ARGUMENT', 'position');
      assert.deepEqual(await log.groups('orders'), [], 'a rejected requeue creates no group');
    }));

    it('after close every operation fails with HERALD_E_CLOSED; close is idempotent', withLog(target, [], async (log) => {
      const [event] = makeEvents(1);
      await log.append('orders', [event!]);
      await log.close();
      await log.close();
      const calls: [string, (l: EventLog) => unknown][] = [
        ['append', (l) => l.append('orders', [event!])],
        ['read', (l) => collect(l.read('orders'))],
        ['fetch', (l) => fetch(l, 'orders', 'g')],
        ['settle', (l) => l.settle('orders', 'g', [{ kind: 'ack', position: 1, leaseId: 1 }])],
        ['requeue', (l) => l.requeue('orders', 'g', event!, 1)],
        ['topics', (l) => l.topics()],
        ['topicInfo', (l) => l.topicInfo('orders')],
        ['groups', (l) => l.groups()],
        ['resetGroup', (l) => l.resetGroup('orders', 'g', 'earliest')],
        ['deleteGroup', (l) => l.deleteGroup('orders', 'g')],
        ['setRetention', (l) => l.setRetention('orders', { maxCount: 1 })],
        ['applyRetention', (l) => l.applyRetention()],
        ['deleteEvent', (l) => l.deleteEvent('orders', 1)],
        ['onAppend', (l) => l.onAppend('orders', () => undefined)],
      ];
      for (const [name, call] of calls) {
        await expectError(() => call(log), 'HERALD_E_CLOSED', undefined, `${name} after close`);
      }
    }));
  });
}
