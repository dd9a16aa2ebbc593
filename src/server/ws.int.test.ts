import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { AUDIT_TOPIC } from '../security/audit.js';
import { bearer, ce, publish, testServer, type TestServer } from './test-helpers.js';

type Frame = { op: string; position?: number; event?: { id: string }; ref?: string; receipts?: { position: number }[]; error?: { code: string } };

function open(url: string, headers: Record<string, string>, protocols?: string[]): Promise<{ socket: WebSocket; frames: Frame[]; closed: Promise<number> }> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), protocols ?? [], { headers });
  const frames: Frame[] = [];
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as Frame));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, frames, closed }));
    socket.once('error', reject);
  });
}

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** RELIABILITY S2 and R13 for WebSocket: subscribe, resume, publish with per-frame authorisation, frame size, slow clients, revocation. */
describe('WebSocket subscriptions', () => {
  let t: TestServer;
  let key: string;
  const url = (q = ''): string => `${t.url}/v1/topics/chat/ws${q}`;
  before(async () => {
    t = await testServer({ backend: 'sqlite', limits: { sendTimeoutMs: 300 } });
    key = await t.key();
  });
  after(() => t.close());

  it('streams from a position, and a reconnect resumes after the last position seen', async () => {
    await publish(t.url, key, 'chat', Array.from({ length: 6 }, (_, i) => ce(`c-${i}`)));
    const a = await open(url('?from=earliest'), bearer(key));
    await until(() => a.frames.length >= 3, 'three frames');
    a.socket.terminate();
    const last = Math.max(...a.frames.map((f) => f.position!));
    const b = await open(url(`?from=${last + 1}`), bearer(key));
    await publish(t.url, key, 'chat', [ce('c-6')]);
    await until(() => b.frames.some((f) => f.event?.id === 'c-6'), 'the live event');
    assert.deepEqual([...a.frames, ...b.frames].map((f) => f.position), [1, 2, 3, 4, 5, 6, 7], 'no gap, no duplicate');
    b.socket.close();
  });

  it('publishes over the socket, checking the permission of every frame; a browser may pass its key as a subprotocol', async () => {
    const reader = await t.key(['subscribe:chat']);
    const c = await open(url(), {}, ['herald.v1', key]);
    assert.equal(c.socket.protocol, 'herald.v1');
    c.socket.send(JSON.stringify({ op: 'publish', ref: 'r1', events: [ce('via-ws')] }));
    await until(() => c.frames.some((f) => f.op === 'receipts'), 'receipts');
    assert.equal(c.frames.find((f) => f.op === 'receipts')?.ref, 'r1');
    const r = await open(url(), bearer(reader));
    r.socket.send(JSON.stringify({ op: 'publish', ref: 'r2', events: [ce('not-allowed')] }));
    r.socket.send('{"op": "publish", "events": [{"__proto__": {}}]}');
    await until(() => r.frames.filter((f) => f.op === 'error').length === 2, 'two refusals');
    assert.deepEqual(r.frames.filter((f) => f.op === 'error').map((f) => f.error?.code).sort(), ['HERALD_E_FORBIDDEN', 'HERALD_E_INVALID_ARGUMENT']);
    await t.server.gateway.audit.flush();
    let denied = 0;
    for await (const e of t.log.read(AUDIT_TOPIC)) if ((e.event.data as { method: string }).method === 'WS') denied++;
    assert.equal(denied, 1, 'the refused publish is audited');
    c.socket.close();
    r.socket.close();
  });

  it('a frame over 1 MiB closes the socket with 1009', async () => {
    const s = await open(url(), bearer(key));
    s.socket.send(Buffer.alloc(1024 * 1024 + 1, 'a'));
    assert.equal(await s.closed, 1009);
  });

  it('a client that does not read is closed with 1013, its buffer bounded', async () => {
    const payload = 'x'.repeat(60_000);
    const s = await open(url('?from=latest'), bearer(key));
    const tcp = (s.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    for (let i = 0; i < 20; i++) await publish(t.url, key, 'chat', Array.from({ length: 10 }, (_, j) => ce(`big-${i}-${j}`, { data: { payload } })));
    await until(() => t.logs.some((l) => l.includes('websocket client too slow')), 'the server to give up on the client', 10_000);
    const line = JSON.parse(t.logs.find((l) => l.includes('websocket client too slow'))!) as { buffered: number };
    assert.ok(line.buffered <= 1024 * 1024, `at most 1 MiB waited for the client, got ${line.buffered}`);
    tcp.resume();
    assert.equal(await s.closed, 1013);
    assert.ok(s.frames.length < 200, `the client got ${s.frames.length} of 200 frames before the close`);
  });

  it('a key revoked mid-stream has its socket closed with 1008 within 5 s', async () => {
    const doomed = await t.server.keys!.create({ tenant: 'acme', permissions: ['subscribe:chat'] });
    const s = await open(url(), bearer(doomed.key));
    const started = Date.now();
    await t.server.keys!.revoke(doomed.info.id);
    assert.equal(await s.closed, 1008);
    assert.ok(Date.now() - started < 5_000);
  });

  it('the server shutting down closes sockets with 1001', async () => {
    const other = await testServer({});
    const s = await open(`${other.url}/v1/topics/chat/ws`, bearer(await other.key()));
    await other.close();
    assert.equal(await s.closed, 1001);
  });
});
