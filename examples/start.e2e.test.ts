import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const START = fileURLToPath(new URL('./start.js', import.meta.url));

test('npm start: the server on the embedded backend, the demo as its client, then serving until SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-start-'));
  const child = spawn(process.execPath, [START, '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  try {
    const deadline = Date.now() + 60_000;
    while (!out.includes('the server keeps running')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the demo did not finish:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(out, /8 orders settled/);
    assert.match(out, /order\.cancelled/);
    const url = /listening on (\S+)/.exec(out)![1]!;
    const key = readFileSync(join(dir, 'data', 'admin.key'), 'utf8').trim();
    assert.equal((await fetch(`${url}/v1/topics`)).status, 401, 'secure by default');
    const topics = await (await fetch(`${url}/v1/topics`, { headers: { authorization: `Bearer ${key}` } })).json() as { topics: { topic: string; count: number }[] };
    assert.ok((topics.topics.find((t) => t.topic === 'order')?.count ?? 0) >= 8, JSON.stringify(topics));
    const keys = await (await fetch(`${url}/v1/keys`, { headers: { authorization: `Bearer ${key}` } })).json() as { keys: { name?: string; revokedAt?: string }[] };
    assert.ok(keys.keys.filter((k) => k.name === 'order-flow demo').every((k) => k.revokedAt), 'the demo\'s key is revoked when it is done');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit') as [number | null];
    assert.equal(code, 0, out);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
