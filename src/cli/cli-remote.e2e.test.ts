import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NonRetryableError } from '../core/errors.js';
import { subscribe } from '../consumer/subscribe.js';
import { testServer, type TestServer } from '../server/test-helpers.js';
import { run } from './main.js';

interface Capture { text: string; write(s: string): boolean }
const capture = (): Capture => { const c = { text: '', write(s: string) { c.text += s; return true; } }; return c; };
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** Every verb of the embedded CLI, against a real server over HTTP with `--url` and a key. */
describe('herald --url (remote server)', () => {
  let server: TestServer;
  let dir = '';
  let admin = '';

  async function herald(args: string[], env: Record<string, string> = { HERALD_KEY: admin }): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = capture();
    const stderr = capture();
    const code = await run(['--url', server.url, ...args], { stdout, stderr, env });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  before(async () => {
    server = await testServer({ backend: 'sqlite' });
    admin = await server.key(['*:>'], 'acme');
    dir = mkdtempSync(join(tmpdir(), 'herald-cli-remote-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publish, tail, topics and replay work over HTTP; the key can come from a file', async () => {
    const pub = await herald(['publish', 'orders', '--type', 'order.placed', '--key', 'o-1', '--id', 'r-1', '--data', '{"orderId":"o-1"}']);
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(pub.stdout, 'orders#1  id=r-1\n');
    for (const n of [2, 3]) assert.equal((await herald(['publish', 'orders', '--type', 'order.placed', '--id', `r-${n}`, '--data', `{"n":${n}}`])).code, 0);

    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, `${admin}\n`, { mode: 0o600 });
    const tail = await herald(['--key-file', keyFile, 'tail', 'orders', '--json'], {});
    assert.equal(tail.code, 0, tail.stderr);
    assert.deepEqual(lines(tail.stdout).map((l) => (JSON.parse(l) as { event: { id: string } }).event.id), ['r-1', 'r-2', 'r-3']);

    const topics = JSON.parse((await herald(['topics', '--json'])).stdout) as { topic: string; count: number }[];
    assert.equal(topics.find((t) => t.topic === 'orders')?.count, 3);

    const replay = await herald(['replay', 'orders', '--to', 'orders-copy', '--json']);
    assert.equal(replay.code, 0, replay.stderr);
    const copied = await herald(['tail', 'orders-copy', '--json']);
    assert.equal(lines(copied.stdout).length, 3);
  });

  it('groups and dead letters: list, reset, show, redrive, discard', async () => {
    const log = server.log;
    await log.append('acme__pay', [1, 2, 3].map((n) => ({ specversion: '1.0', id: `p-${n}`, source: 'urn:t', type: 'pay', data: { n } })));
    // A real consumer of the server's log dead-letters p-2 and p-3 (a permanent failure) and acks p-1.
    const sub = subscribe(log, 'acme__pay', { group: 'billing', maxAttempts: 1 }, (event) => {
      if (event.id !== 'p-1') throw new NonRetryableError(`card declined for ${event.id}`);
    });
    const deadline = Date.now() + 10_000;
    while (((await log.topicInfo('acme__pay.dlq.billing'))?.count ?? 0) < 2) {
      if (Date.now() > deadline) throw new Error('the events were not dead-lettered');
      await new Promise((r) => setTimeout(r, 20));
    }
    await sub.close();

    const list = await herald(['dlq', 'list', 'pay', 'billing', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const letters = JSON.parse(list.stdout) as { dlqPosition: number; event: { id: string } }[];
    assert.deepEqual(letters.map((l) => l.event.id), ['p-2', 'p-3']);
    const show = await herald(['dlq', 'show', 'pay', 'billing', String(letters[0]!.dlqPosition)]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /card declined for p-2/);
    const redrive = await herald(['dlq', 'redrive', 'pay', 'billing', String(letters[0]!.dlqPosition)]);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.equal((await herald(['dlq', 'discard', 'pay', 'billing', String(letters[1]!.dlqPosition)])).code, 0);
    assert.equal((await herald(['dlq', 'list', 'pay', 'billing'])).stdout, 'no dead letters for group billing on pay\n');

    const groups = await herald(['groups', 'pay', '--json']);
    assert.equal(groups.code, 0, groups.stderr);
    const billing = (JSON.parse(groups.stdout) as { group: string; pending: number }[]).find((g) => g.group === 'billing');
    assert.equal(billing?.pending, 1, 'the redriven event waits for the group again');
    const reset = await herald(['groups', 'reset', 'pay', 'billing', '--to', 'earliest']);
    assert.equal(reset.code, 0, reset.stderr);
    const again = (JSON.parse((await herald(['groups', 'pay', '--json'])).stdout) as { group: string; lag: number }[]).find((g) => g.group === 'billing');
    assert.equal(again?.lag, 3);
  });

  it('keys: create in the caller\'s tenant, list without secrets, revoke; the new key works until revoked', async () => {
    const created = await herald(['keys', 'create', '--allow', 'read:orders', '--name', 'reader', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { key, info } = JSON.parse(created.stdout) as { key: string; info: { id: string; tenant: string } };
    assert.equal(info.tenant, 'acme');
    assert.equal((await herald(['tail', 'orders', '--limit', '1'], { HERALD_KEY: key })).code, 0);
    const denied = await herald(['publish', 'orders', '--type', 't', '--data', '{}'], { HERALD_KEY: key });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /HERALD_E_FORBIDDEN/);

    const list = await herald(['keys', 'list', '--json']);
    const listed = JSON.parse(list.stdout) as { id: string }[];
    assert.ok(listed.some((k) => k.id === info.id));
    // The whole secret, after `hk_<id>_`: it is base64url, so it may contain '_' itself.
    assert.ok(!list.stdout.includes(key.slice(key.indexOf('_', 3) + 1)), 'no secret in the listing');
    assert.equal((await herald(['keys', 'create', '--tenant', 'other', '--allow', 'read:>'])).code, 2, '--tenant is refused remotely');

    assert.equal((await herald(['keys', 'revoke', info.id])).code, 0);
    await new Promise((r) => setTimeout(r, 300)); // the server's key poll
    const revoked = await herald(['tail', 'orders', '--limit', '1'], { HERALD_KEY: key });
    assert.equal(revoked.code, 1);
    assert.match(revoked.stderr, /HERALD_E_UNAUTHENTICATED/);
  });

  it('refuses without a key, with a bad --url, with --db and --url together, and `serve --url`', async () => {
    const noKey = await herald(['topics'], {});
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /HERALD_E_UNAUTHENTICATED/);
    const badUrl = await run(['--url', 'not a url', 'topics'], { stdout: capture(), stderr: capture(), env: {} });
    assert.equal(badUrl, 1);
    const both = await run(['--db', join(dir, 'x.db'), '--url', server.url, 'topics'], { stdout: capture(), stderr: capture(), env: {} });
    assert.equal(both, 1);
    assert.equal((await herald(['serve'])).code, 2);
    const down = await run(['--url', 'http://127.0.0.1:9', 'topics'], { stdout: capture(), stderr: capture(), env: {} });
    assert.equal(down, 1);
  });
});
