import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEvent } from '../core/envelope.js';
import { MemoryLog } from '../log/memory/index.js';
import { hasStreams, type RecordedEvent, type StreamLog } from '../log/streams.js';
import { startServer } from '../server/server.js';
import { testServer, type TestServer } from '../server/test-helpers.js';
import { connectRemoteLog, type RemoteLog } from './remote-log.js';

const ev = (n: number): ReturnType<typeof createEvent> => createEvent({ type: 'test.happened', data: { n } });
const waitFor = async (what: string, done: () => boolean, ms = 3000): Promise<void> => {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** The remote client's streams against a real server: what the conformance suite cannot see with one client. */
describe('RemoteLog streams', () => {
  let t: TestServer;
  const clients: RemoteLog[] = [];
  const connect = async (key: string, options: { pollMs?: number; fetch?: typeof fetch } = {}): Promise<StreamLog> => {
    const log = await connectRemoteLog({ url: t.url, key, pollMs: options.pollMs ?? 0, ...(options.fetch ? { fetch: options.fetch } : {}) });
    clients.push(log);
    assert.ok(hasStreams(log));
    return log;
  };

  before(async () => {
    t = await testServer({ backend: 'sqlite' });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t.close();
  });

  it('onAppendAll hears another client\'s appends by polling the $all head, and stops when unsubscribed', async () => {
    const key = await t.key();
    const [listener, writer] = [await connect(key, { pollMs: 20 }), await connect(key)];
    let heard = 0;
    const off = listener.streams.onAppendAll(() => { heard++; });
    await new Promise((r) => setTimeout(r, 60)); // the first poll learns the head
    await writer.streams.appendToStream('poll-1', [ev(1)]);
    await waitFor('the poll to notice', () => heard === 1);
    off();
    await writer.streams.appendToStream('poll-1', [ev(2)]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(heard, 1);
  });

  it('a forwards read asks once for a short stream, and again only when this client appended while it read', async () => {
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      if (url.includes('/events?')) requests++;
      return fetch(input, init);
    };
    const log = await connect(await t.key(), { fetch: counting });
    await log.streams.appendToStream('count-1', [ev(1), ev(2)]);
    const read = async (during?: (e: RecordedEvent) => Promise<void>): Promise<number[]> => {
      const seen: number[] = [];
      for await (const e of log.streams.readStream('count-1')) {
        seen.push(e.revision);
        await during?.(e);
      }
      return seen;
    };
    requests = 0;
    assert.deepEqual(await read(), [1, 2]);
    assert.equal(requests, 1);
    requests = 0;
    assert.deepEqual(await read(async (e) => { if (e.revision === 2) await log.streams.appendToStream('count-1', [ev(3)]); }), [1, 2, 3]);
    assert.equal(requests, 2, 'the page, then the page after the append');
  });

  it('a tenant\'s client sees only its tenant\'s streams, with errors in its own names', async () => {
    const acme = await connect(await t.key(['*:>'], 'acme'));
    const globex = await connect(await t.key(['*:>'], 'globex'));
    await acme.streams.appendToStream('deal-1', [ev(1), ev(2)]);
    await globex.streams.appendToStream('deal-1', [ev(10)]);
    await assert.rejects(globex.streams.appendToStream('deal-1', [ev(11)], { expectedRevision: 2 }), (error: Error & { code?: string; details?: unknown }) => {
      assert.equal(error.code, 'HERALD_E_WRONG_REVISION');
      assert.deepEqual(error.details, { stream: 'deal-1', expectedRevision: 2, actualRevision: 1 });
      assert.ok(!error.message.includes('globex__'), error.message);
      return true;
    });
    const data = async (log: StreamLog): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const e of log.streams.readAll({ category: 'deal' })) out.push(e.event.data);
      return out;
    };
    assert.deepEqual(await data(globex), [{ n: 10 }]);
    assert.deepEqual(await data(acme), [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(await acme.streams.snapshots!.loadSnapshot('deal-1'), undefined);
  });
});

describe('RemoteLog on a server whose backend keeps no streams', () => {
  it('has no streams', async () => {
    const memory = new MemoryLog();
    const log = new Proxy(memory, { get: (target, name) => (name === 'streams' ? undefined : Reflect.get(target, name) as unknown) });
    const server = await startServer({ log, dev: true, port: 0, logger: false });
    try {
      const remote = await connectRemoteLog({ url: server.url, pollMs: 0 });
      assert.equal(hasStreams(remote), false);
      await remote.close();
    } finally {
      await server.close();
      await memory.close();
    }
  });
});
