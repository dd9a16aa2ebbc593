import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '../core/envelope.js';
import { MemoryLog } from './memory/index.js';
import { TopicFollower } from './topic-follower.js';
import type { StoredEvent } from './types.js';

const event = (n: number) => createEvent({ type: 't', data: { n } });

describe('TopicFollower', () => {
  it('applies each event once, in order, across refreshes, and keeps going after a failed apply', async () => {
    const log = new MemoryLog();
    await log.append('own', [event(1), event(2)]);
    const seen: number[] = [];
    let failOn: number | undefined = 3;
    const follower = new TopicFollower(log, 'own', (s: StoredEvent) => {
      const n = (s.event.data as { n: number }).n;
      if (n === failOn) { failOn = undefined; throw new Error('boom'); }
      seen.push(n);
    }, 0);
    await follower.refresh();
    await follower.refresh();
    assert.deepEqual(seen, [1, 2]);
    await log.append('own', [event(3), event(4)]);
    await assert.rejects(follower.refresh(), /boom/);
    await follower.refresh();
    assert.deepEqual(seen, [1, 2, 4], 'the event that failed is not applied again; the next refresh goes on after it');
    await follower.close();
  });

  it('polls every pollMs for what another process appended, and stops on close', async () => {
    const log = new MemoryLog();
    const seen: number[] = [];
    const follower = new TopicFollower(log, 'own', (s) => seen.push((s.event.data as { n: number }).n), 5);
    await log.append('own', [event(1)]);
    const deadline = Date.now() + 5000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(seen, [1]);
    await follower.close();
    await log.append('own', [event(2)]);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(seen, [1], 'nothing is read after close');
  });
});
