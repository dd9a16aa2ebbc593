import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, ce, publish, testServer, type TestServer } from './test-helpers.js';

interface SseEvent { id: string; data: { position: number; event: { id: string } } }

/** Reads an SSE stream until `until` says stop (or `ms` pass); resolves with the events and whether the server ended it. */
async function readStream(url: string, headers: Record<string, string>, until: (events: SseEvent[]) => boolean, ms = 5_000): Promise<{ events: SseEvent[]; ended: boolean }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  const response = await fetch(url, { headers, signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: SseEvent[] = [];
  let buffer = '';
  let ended = false;
  const reader = response.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) { ended = true; break; }
      buffer += new TextDecoder().decode(value);
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id !== undefined && data !== undefined) events.push({ id, data: JSON.parse(data) as SseEvent['data'] });
      }
      if (until(events)) break;
    }
  } catch {
    // aborted by the timer
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { events, ended };
}

/** RELIABILITY S2 for SSE: stream, resume with Last-Event-ID, live events, revocation mid-stream, origins. */
describe('server-sent events', () => {
  let t: TestServer;
  let key: string;
  const url = (q = ''): string => `${t.url}/v1/topics/news/events/stream${q}`;
  before(async () => {
    t = await testServer({ backend: 'sqlite', allowedOrigins: ['https://console.example.com'] });
    key = await t.key();
  });
  after(() => t.close());

  it('streams from earliest with positions as ids, then resumes after Last-Event-ID', async () => {
    await publish(t.url, key, 'news', Array.from({ length: 5 }, (_, i) => ce(`n-${i}`)));
    const first = await readStream(url('?from=earliest'), bearer(key), (e) => e.length >= 5);
    assert.deepEqual(first.events.map((e) => e.id), ['1', '2', '3', '4', '5']);
    assert.deepEqual(first.events.map((e) => e.data.event.id), ['n-0', 'n-1', 'n-2', 'n-3', 'n-4']);
    await publish(t.url, key, 'news', [ce('n-5'), ce('n-6')]);
    const resumed = await readStream(url('?from=earliest'), { ...bearer(key), 'last-event-id': '3' }, (e) => e.length >= 3);
    assert.deepEqual(resumed.events.map((e) => e.data.position).slice(0, 3), [4, 5, 6], 'Last-Event-ID wins over from');
  });

  it('delivers events published after it connected (from=latest by default)', async () => {
    const reading = readStream(url(), bearer(key), (e) => e.length >= 2);
    await new Promise((r) => setTimeout(r, 150));
    await publish(t.url, key, 'news', [ce('live-1')]);
    await publish(t.url, key, 'news', [ce('live-2')]);
    assert.deepEqual((await reading).events.map((e) => e.data.event.id), ['live-1', 'live-2']);
  });

  it('a key revoked mid-stream has its stream ended within 5 s', async () => {
    const doomed = await t.server.keys!.create({ tenant: 'acme', permissions: ['subscribe:news'] });
    const started = Date.now();
    const reading = readStream(url(), bearer(doomed.key), () => false, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    await t.server.keys!.revoke(doomed.info.id);
    const { ended } = await reading;
    assert.ok(ended, 'the server ended the stream');
    assert.ok(Date.now() - started < 5_000, `ended after ${Date.now() - started} ms`);
  });

  it('a disallowed Origin gets 403; an allowed one streams', async () => {
    const refused = await fetch(url(), { headers: { ...bearer(key), origin: 'https://evil.example' } });
    assert.equal(refused.status, 403);
    const allowed = new AbortController();
    const ok = await fetch(url(), { headers: { ...bearer(key), origin: 'https://console.example.com' }, signal: allowed.signal });
    assert.equal(ok.status, 200);
    allowed.abort();
  });
});
