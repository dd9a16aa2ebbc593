/** The stall watchdog on a virtual clock, and the watched log's pass-through (watchdog.ts, watched-log.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '../../src/core/envelope.js';
import { HeraldError } from '../../src/core/errors.js';
import { MemoryLog } from '../../src/log/memory/index.js';
import { watchdogOf, watchLog } from '../../src/log/watched-log.js';
import { Watchdog, type StallReport } from '../../src/log/watchdog.js';
import { hangingLog } from './hang-log.js';

function virtual(stallAfter = 5000, repeatEvery?: number) {
  let now = 1_000_000;
  const reports: StallReport[] = [];
  const lines: string[] = [];
  const dog = new Watchdog('test', {
    stallAfter, ...(repeatEvery === undefined ? {} : { repeatEvery }), now: () => now, onStall: (r) => reports.push(r),
    logger: { warn: (_o, m) => lines.push(`warn ${m ?? ''}`), info: (_o, m) => lines.push(`info ${m ?? ''}`) },
  });
  const advance = (ms: number): void => { now += ms; dog.check(); };
  return { dog, reports, lines, advance };
}

describe('Watchdog', () => {
  it('says nothing while calls are answered in time, or when there are none', (t) => {
    const { dog, reports, advance } = virtual();
    t.after(() => dog.stop());
    for (let i = 0; i < 100; i++) {
      const end = dog.begin('append', 'orders');
      advance(4000);
      end();
    }
    advance(60_000);
    assert.equal(reports.length, 0);
    assert.equal(dog.status().stalled, false);
  });

  it('reports a call outstanding past stallAfter, again while it lasts, then resumed once', (t) => {
    const { dog, reports, lines, advance } = virtual(5000);
    t.after(() => dog.stop());
    const end = dog.begin('fetch', 'orders');
    advance(5000);
    assert.equal(reports.length, 0, 'not before stallAfter has passed');
    advance(1);
    assert.deepEqual(reports[0], { state: 'stalled', backend: 'test', operation: 'fetch', topic: 'orders', durationMs: 5001, inFlight: 1, stalls: 1 });
    assert.deepEqual(dog.status(), { backend: 'test', stalled: true, stalledForMs: 5001, operation: 'fetch', inFlight: 1, stalls: 1 });
    for (let i = 0; i < 5; i++) advance(1000);
    assert.equal(reports.length, 2, 'reported again after repeatEvery (default: stallAfter)');
    assert.equal(reports[1]!.durationMs, 10_001);
    end();
    assert.equal(reports.length, 3);
    assert.equal(reports[2]!.state, 'resumed');
    assert.equal(reports[2]!.durationMs, 10_001, 'how long the stall lasted');
    advance(60_000);
    assert.equal(reports.length, 3, 'resumed is said once');
    assert.match(lines[0]!, /^warn herald: the test backend has not answered for 5 s$/);
    assert.match(lines.at(-1)!, /^info herald: the test backend answers again$/);
  });

  it('counts failures without an answer (timeouts, refused connections) as a stall; a refusal is an answer', (t) => {
    const { dog, reports, advance } = virtual(5000);
    t.after(() => dog.stop());
    for (let i = 0; i < 10; i++) {
      const end = dog.begin('append', 'orders');
      advance(1000);
      end(new HeraldError('HERALD_E_INVALID_ARGUMENT', 'bad topic'));
    }
    assert.equal(reports.length, 0, 'errors that are answers are not stalls');
    for (let i = 0; i < 6; i++) {
      const end = dog.begin('append', 'orders');
      advance(1000);
      end(i % 2 ? new Error('connect ECONNREFUSED') : new HeraldError('HERALD_E_TIMEOUT', 'request timed out'));
    }
    assert.equal(reports[0]?.state, 'stalled', 'six seconds of failures without an answer');
    assert.equal(reports[0]?.error, 'request timed out', 'the last error is named');
    assert.equal(reports[0]?.durationMs, 6000, 'counted from the first failing call');
    dog.begin('append', 'orders')();
    assert.equal(reports.at(-1)?.state, 'resumed', 'a success ends it');
  });

  it('stays stalled while one call hangs even if others are answered (a stuck consumer is a stall)', (t) => {
    const { dog, reports, advance } = virtual(1000);
    t.after(() => dog.stop());
    const stuck = dog.begin('fetch', 'orders');
    advance(1500);
    for (let i = 0; i < 10; i++) { const end = dog.begin('append', 'orders'); advance(100); end(); }
    assert.equal(dog.status().stalled, true);
    assert.equal(dog.status().operation, 'fetch');
    stuck();
    assert.equal(dog.status().stalled, false);
    assert.deepEqual(reports.map((r) => r.state), ['stalled', 'stalled', 'resumed']);
  });

  it('a listener that throws does not stop the reports', (t) => {
    const { dog, reports, advance } = virtual(1000);
    t.after(() => dog.stop());
    dog.onStall(() => { throw new Error('listener bug'); });
    dog.begin('topics');
    advance(1001);
    assert.equal(reports.length, 1);
  });
});

describe('watchLog', () => {
  it('passes everything through, times reads page by page, and wraps once', async () => {
    const memory = new MemoryLog();
    const log = watchLog(memory, { stallAfter: 60_000 });
    assert.equal(watchLog(log), log, 'wrapping a watched log returns it');
    assert.equal(log.backend, 'memory');
    assert.deepEqual(log.capabilities, memory.capabilities);
    assert.ok(Object.is(Reflect.get(log, 'onAppend'), Reflect.get(log, 'onAppend')), 'methods keep their identity');
    await log.append('orders', [createEvent({ type: 't', data: 1 }), createEvent({ type: 't', data: 2 })]);
    const dog = watchdogOf(log)!;
    const seen: number[] = [];
    for await (const stored of log.read('orders')) {
      seen.push(stored.position);
      assert.equal(dog.status().inFlight, 0, 'the caller\'s time between pages is not a backend call');
    }
    assert.deepEqual(seen, [1, 2]);
    await assert.rejects(log.append('Bad Topic!', [createEvent({ type: 't' })]), /topic/i);
    assert.equal(dog.status().inFlight, 0);
    assert.equal(watchdogOf(memory), undefined);
    await log.close();
  });

  it('reports a hanging log as stalled on its own interval, then resumed', async () => {
    const hanging = hangingLog(new MemoryLog());
    const reports: StallReport[] = [];
    const log = watchLog(hanging.log, { stallAfter: 100, onStall: (r) => reports.push(r) });
    hanging.hang();
    const pending = log.append('orders', [createEvent({ type: 't' })]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(reports[0]?.state, 'stalled');
    assert.equal(reports[0]?.operation, 'append');
    assert.equal(watchdogOf(log)!.status().stalled, true);
    hanging.release();
    await pending;
    assert.equal(reports.at(-1)?.state, 'resumed');
    await log.close();
  });
});
