import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLog } from '../log/memory/index.js';
import type { Capabilities, EventLog } from '../log/types.js';
import { consume } from './consume.js';
import { subscribe } from './subscribe.js';

/** The memory log with some guarantees taken away, as a weaker backend would declare them. */
function weaker(missing: Partial<Capabilities>): EventLog {
  const log = new MemoryLog();
  Object.defineProperty(log, 'capabilities', { value: { ...log.capabilities, ...missing } });
  Object.defineProperty(log, 'backend', { value: 'weak' });
  return log;
}

describe('subscribe and consume fail fast on a missing guarantee', () => {
  it('names the capability and the backend', () => {
    const log = weaker({ durable: false, keyOrder: false });
    assert.throws(() => subscribe(log, 'orders', { group: 'g', requires: ['durable'] }, () => undefined),
      { code: 'HERALD_E_UNSUPPORTED', message: /the weak backend does not guarantee durable/ });
    assert.throws(() => subscribe(log, 'orders', { group: 'g', requires: ['keyOrder'] }, () => undefined), /keyOrder/);
  });

  it('infers readByTime from a start by time', async () => {
    const log = weaker({ readByTime: false });
    assert.throws(() => subscribe(log, 'orders', { group: 'g', from: { time: Date.now() } }, () => undefined), /readByTime/);
    await assert.rejects(consume(log, 'orders', { group: 'g', from: { time: 0 } }).next(), /readByTime/);
  });

  it('rejects an unknown capability by name, and subscribes when everything is there', async () => {
    const log = new MemoryLog();
    assert.throws(() => subscribe(log, 'orders', { group: 'g', requires: ['exactlyOnce' as 'durable'] }, () => undefined), /unknown capability "exactlyOnce"/);
    const sub = subscribe(log, 'orders', { group: 'g', requires: ['keyOrder', 'readByTime'] }, () => undefined);
    await sub.close();
  });
});
