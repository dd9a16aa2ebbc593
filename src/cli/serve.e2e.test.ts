import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { newWebhookSecret } from '../webhooks/signature.js';
import { requireService, SERVICE_URLS } from '../../test/services.js';

const BIN = fileURLToPath(new URL('./main.js', import.meta.url));

interface Running { child: ChildProcess; url: string; stderr: () => string }

/** Starts `herald --db <db> serve --port 0 ...` and waits for its "listening" line. */
function serve(db: string, ...args: string[]): Promise<Running> {
  return start(['--db', db, 'serve', '--port', '0', ...args]);
}

/** Starts `herald <args>` (a serve command) and waits for its "listening" line. */
async function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HERALD_LOG_LEVEL: 'warn' } });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const deadline = Date.now() + 20_000;
  while (!/listening on (\S+)/.test(stderr)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, url: /listening on (\S+)/.exec(stderr)![1]!, stderr: () => stderr };
}

async function stop(running: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  running.child.kill(signal);
  const [code] = await once(running.child, 'exit') as [number | null];
  return code;
}

const event = (id: string): string => JSON.stringify({ specversion: '1.0', id, source: 'urn:e2e', type: 'load.tick', data: { id } });

describe('herald serve', () => {
  let dir = '';
  let db = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-serve-'));
    db = join(dir, 'herald.db');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts secure: writes a first admin key (0600), answers /healthz and /readyz, refuses requests without a key', async () => {
    const running = await serve(db);
    const keyFile = join(dir, 'admin.key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const key = readFileSync(keyFile, 'utf8').trim();
    assert.match(key, /^hk_/);
    assert.ok(!running.stderr().includes(key.slice(20)), 'the secret is not printed');
    assert.equal((await fetch(`${running.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${running.url}/readyz`)).status, 200);
    assert.equal((await fetch(`${running.url}/v1/topics`)).status, 401);
    assert.equal((await fetch(`${running.url}/v1/topics`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
    assert.equal(await stop(running), 0);
  });

  it('SIGTERM while four producers publish: it drains, exits 0, and every answered publish is there after a restart', async () => {
    const key = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
    const running = await serve(db);
    const acked = new Set<string>();
    let attempts = 0;
    const producer = async (p: number): Promise<void> => {
      for (let i = 0; ; i++) {
        const id = `p${p}-${i}`;
        attempts++;
        try {
          const r = await fetch(`${running.url}/v1/topics/load/events`, {
            method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents+json' }, body: event(id),
          });
          if (r.status === 200) acked.add(id);
          else if (r.status === 503) return;
          else assert.fail(`unexpected ${r.status}: ${await r.text()}`);
        } catch {
          return; // the server is gone
        }
      }
    };
    const producers = [0, 1, 2, 3].map(producer);
    // SIGTERM in the middle of the traffic: once enough publishes were answered (however slow the machine).
    while (acked.size <= 20) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await stop(running), 0, 'a clean exit');
    await Promise.all(producers);
    assert.match(running.stderr(), /SIGTERM: draining and closing[\s\S]*herald stopped/);
    assert.ok(acked.size > 20, `only ${acked.size} publishes were answered`);
    const again = await serve(db);
    assert.ok(!again.stderr().includes('created the first admin key'), 'the keys survived: no new admin key');
    const stored: string[] = [];
    for (let from = 1; ;) {
      const page = await (await fetch(`${again.url}/v1/topics/load/events?from=${from}&limit=1000`, { headers: { authorization: `Bearer ${key}` } })).json() as { events: { event: { id: string } }[]; next: number | null };
      stored.push(...page.events.map((e) => e.event.id));
      if (page.next === null) break;
      from = page.next;
    }
    assert.deepEqual([...acked].filter((id) => !stored.includes(id)), [], 'no answered publish is lost');
    assert.equal(new Set(stored).size, stored.length, 'no duplicates');
    assert.ok(stored.length <= attempts);
    assert.equal(await stop(again, 'SIGINT'), 0, 'Ctrl-C stops it the same way');
  });

  it('--dev runs without keys and says so loudly', async () => {
    const running = await serve(join(dir, 'dev.db'), '--dev');
    assert.match(running.stderr(), /AUTHENTICATION IS OFF/);
    assert.equal((await fetch(`${running.url}/v1/topics`)).status, 200);
    assert.equal(await stop(running), 0);
  });

  it('herald keys create | list | revoke manage the keys of the database', () => {
    const keysDb = join(dir, 'keys.db');
    const created = spawnSync(process.execPath, [BIN, '--db', keysDb, 'keys', 'create', '--tenant', 'acme', '--allow', 'publish:orders.>', '--allow', 'read:>', '--name', 'ci'], { encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^hk_[a-z0-9]{16}_/);
    const id = key.split('_')[1]!;
    const listed = spawnSync(process.execPath, [BIN, '--db', keysDb, 'keys', 'list'], { encoding: 'utf8' });
    assert.match(listed.stdout, new RegExp(`${id}\\s+acme\\s+ci\\s+publish:orders.> read:>`));
    assert.ok(!listed.stdout.includes(key.slice(20)));
    const revoked = spawnSync(process.execPath, [BIN, '--db', keysDb, 'keys', 'revoke', id], { encoding: 'utf8' });
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(spawnSync(process.execPath, [BIN, '--db', keysDb, 'keys', 'list'], { encoding: 'utf8' }).stdout, /revoked/);
    const bad = spawnSync(process.execPath, [BIN, '--db', keysDb, 'keys', 'create', '--tenant', 'acme', '--allow', 'fly:>'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /HERALD_E_INVALID_ARGUMENT.*permissions\[0\]/);
  });

  it('takes its backend from a config file, overridden by the environment; a bad file stops it with the field named', async () => {
    const config = join(dir, 'herald.json');
    writeFileSync(config, JSON.stringify({ backend: { kind: 'sqlite', path: join(dir, 'from-file.db') }, rate: 0 }));
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--dev', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HERALD_LOG_LEVEL: 'warn', HERALD_BACKEND: 'memory' } });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const deadline = Date.now() + 20_000;
    while (!/listening on/.test(stderr)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(stderr, /in memory/);
    assert.equal(await stop({ child, url: '', stderr: () => stderr }), 0);

    writeFileSync(config, JSON.stringify({ backend: { kind: 'kafka' } }));
    const bad = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--config', config], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /backend\.kind must be one of sqlite, memory, postgres, nats, redis, rabbitmq/);
  });

  it('sends the webhooks of its config file, each signed with the secret in its file', async () => {
    const got: { headers: Record<string, string>; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => { got.push({ headers: req.headers as Record<string, string>, body }); res.end(); });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const secret = newWebhookSecret();
    const secretFile = join(dir, 'crm.secret');
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
    const config = join(dir, 'webhooks.json');
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`;
    writeFileSync(config, JSON.stringify({ webhooks: [{ name: 'crm', topic: 'orders', url, secretFile, allow: ['127.0.0.1'] }] }));
    const running = await serve(join(dir, 'webhooks.db'), '--dev', '--config', config);
    try {
      const answer = await fetch(`${running.url}/v1/topics/orders/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: event('w-1') });
      assert.equal(answer.status, 200);
      const deadline = Date.now() + 10_000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal((new StandardWebhook(secret).verify(got[0]!.body, got[0]!.headers) as { id: string }).id, 'w-1');
      assert.ok(!running.stderr().includes(secret.slice(6)), 'the secret is not logged');
    } finally {
      assert.equal(await stop(running), 0);
      receiver.close();
    }
    writeFileSync(config, JSON.stringify({ webhooks: [{ name: 'crm', topic: 'orders', url, secretFile }] }));
    const refused = spawnSync(process.execPath, [BIN, '--db', join(dir, 'webhooks.db'), 'serve', '--port', '0', '--dev', '--config', config], { encoding: 'utf8' });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /HERALD_E_TARGET_REFUSED|resolves to 127\.0\.0\.1, which is not a public address/);
  });

  it('runs on PostgreSQL when the config says so: what was published is there after a restart', async (t) => {
    if (!(await requireService('postgres', (m) => t.skip(m)))) return;
    const schema = `herald_serve_${process.pid}`;
    const config = join(dir, 'pg.json');
    writeFileSync(config, JSON.stringify({ backend: { kind: 'postgres', url: SERVICE_URLS.postgres, namespace: schema } }));
    const startPg = (): Promise<Running> => start(['serve', '--port', '0', '--dev', '--config', config]);
    try {
      const first = await startPg();
      assert.match(first.stderr(), /postgres at postgres:\/\/[^ ]*, namespace herald_serve_/);
      const r = await fetch(`${first.url}/v1/topics/pg-orders/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: event('pg-1') });
      assert.equal(r.status, 200, await r.text());
      assert.equal(await stop(first), 0);
      const second = await startPg();
      const page = await (await fetch(`${second.url}/v1/topics/pg-orders/events?from=1`)).json() as { events: { event: { id: string } }[] };
      assert.deepEqual(page.events.map((e) => e.event.id), ['pg-1']);
      assert.equal(await stop(second), 0);
    } finally {
      const client = new pg.Client({ connectionString: SERVICE_URLS.postgres });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });
});
