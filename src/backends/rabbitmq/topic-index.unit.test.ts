import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeraldError } from '../../core/errors.js';
import { TopicIndex } from './topic-index.js';

const event = (id: string, tag?: string) => ({ id, key: undefined, type: 't', at: 1, tag, body: Buffer.from('{}') });
const lost = new HeraldError('HERALD_E_UNAVAILABLE', 'connection lost');

describe('rabbitmq topic index: a tail that stops', () => {
  it('resolves a tag and a position once seen', async () => {
    const index = new TopicIndex(10);
    const seen = index.expect('a');
    const reached = index.reached(1);
    index.add(1, event('e1', 'a'));
    assert.equal(await seen, 1);
    await reached;
  });

  it('fail() rejects every waiter, and later waits fail at once (an append never hangs after a broker kill)', async () => {
    const index = new TopicIndex(10);
    const seen = index.expect('a');
    const reached = index.reached(5);
    index.fail(lost);
    await assert.rejects(seen, lost);
    await assert.rejects(reached, lost);
    await assert.rejects(index.expect('b'), lost);
    await assert.rejects(index.reached(6), lost);
    await index.reached(0); // already reached: still fine
  });

  it('an abandoned wait rejects without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => { unhandled.push(reason); };
    process.on('unhandledRejection', listener);
    try {
      const index = new TopicIndex(10);
      void index.expect('never-awaited');
      index.fail(lost);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
