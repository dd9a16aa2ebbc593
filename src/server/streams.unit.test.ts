import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLog } from '../log/memory/index.js';
import { createEvent } from '../core/envelope.js';
import { follow } from './follow.js';
import { Streams } from './streams.js';

describe('live streams', () => {
  it('caps streams per key, closes a key\'s streams on revocation and all on shutdown', () => {
    const streams = new Streams(2);
    const closed: string[] = [];
    /** A stream that, like the real ones, releases its slot when it is closed. */
    const open = (key: string, name: string): (() => void) | undefined => {
      const slot: { release?: () => void } = {};
      const release = streams.open(key, (code) => { closed.push(`${name}:${code}`); slot.release?.(); });
      if (release) slot.release = release;
      return release;
    };
    const a1 = open('a', 'a1')!;
    open('a', 'a2');
    assert.equal(open('a', 'a-extra'), undefined, 'the third is refused');
    open('b', 'b');
    a1();
    assert.ok(open('a', 'a3'), 'a released slot is free again');
    streams.closeKey('a', 1008, 'revoked');
    assert.deepEqual(closed, ['a2:1008', 'a3:1008']);
    assert.equal(streams.size, 1);
    streams.closeAll(1001, 'bye');
    assert.deepEqual(closed.slice(2), ['b:1001']);
    assert.equal(streams.size, 0);
  });

  it('follow streams the backlog then live events, from latest pinned at the start, and stops on abort', async () => {
    const log = new MemoryLog();
    await log.append('t', [createEvent({ type: 'old' })]);
    const stop = new AbortController();
    const seen: string[] = [];
    const running = (async () => {
      for await (const e of follow(log, 't', 'latest', stop.signal, 1_000)) {
        seen.push(e.event.type);
        if (seen.length === 2) stop.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    await log.append('t', [createEvent({ type: 'new-1' })]);
    await log.append('t', [createEvent({ type: 'new-2' })]);
    await running;
    assert.deepEqual(seen, ['new-1', 'new-2']);
  });

  it('following a topic that does not exist does not create it', async () => {
    const log = new MemoryLog();
    const stop = new AbortController();
    const running = (async () => { for await (const _ of follow(log, 'ghost', 'earliest', stop.signal, 10)) break; })();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await log.topicInfo('ghost'), undefined);
    stop.abort();
    await running;
  });
});
