import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteSubjectKeys } from '../backends/sqlite/subject-keys.js';
import { MemoryLog } from '../log/memory/index.js';
import { startServer, type HeraldServer } from '../server/server.js';
import { run } from './main.js';

const capture = (): { text: string; write(s: string): boolean } => { const c = { text: '', write(s: string) { c.text += s; return true; } }; return c; };

describe('herald schema | catalog | forget', () => {
  let dir: string;
  let db: string;
  const file = (name: string, value: unknown): string => { const p = join(dir, name); writeFileSync(p, JSON.stringify(value)); return p; };
  const herald = async (args: string[], target: string[] = ['--db', db]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const stdout = capture();
    const stderr = capture();
    const code = await run([...target, ...args], { stdout, stderr, env: {} });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  const v1 = { type: 'object', properties: { orderId: { type: 'string' }, total: { type: 'number' } }, required: ['orderId', 'total'], additionalProperties: false };
  const breaking = { ...v1, properties: { ...v1.properties, total: { type: 'integer' } } };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-cli-schema-'));
    db = join(dir, 'herald.db');
    assert.equal((await herald(['publish', 'orders', '--type', 'order.placed', '--data', '{"orderId":"o-1","total":1}'])).code, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('registers, refuses a breaking version (exit 1, a reason per change), and checks a registry file in CI', async () => {
    const registered = await herald(['schema', 'register', 'order.placed', '--file', file('v1.json', v1), '--owner', 'orders-team']);
    assert.equal(registered.code, 0, registered.stderr);
    assert.match(registered.stdout, /order\.placed v1 registered/);
    const refused = await herald(['schema', 'register', 'order.placed', '--file', file('v2.json', breaking)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /HERALD_E_INCOMPATIBLE_SCHEMA.*data\.total: type narrowed/);
    const check = await herald(['schema', 'check', 'order.placed', '--file', join(dir, 'v2.json')]);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /NOT BACKWARD compatible\n {2}- BACKWARD with v1: data\.total: type narrowed/);
    const list = await herald(['schema', 'list', '--json']);
    writeFileSync(join(dir, 'registry.json'), list.stdout);
    const offline = await herald(['schema', 'check', 'order.placed', '--file', join(dir, 'v2.json'), '--registry', join(dir, 'registry.json')], []);
    assert.equal(offline.code, 1, 'the same verdict from the registry file, without a database');
    assert.equal((await herald(['schema', 'check', 'order.placed', '--file', join(dir, 'v1.json'), '--registry', join(dir, 'registry.json')], [])).code, 0);
    assert.match((await herald(['schema', 'list'])).stdout, /order\.placed\s+1\s+1\s+BACKWARD\s+orders-team/);
  });

  it('prints the AsyncAPI catalog', async () => {
    const out = await herald(['catalog']);
    assert.equal(out.code, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as { asyncapi: string; channels: Record<string, unknown> };
    assert.equal(doc.asyncapi, '3.0.0');
    assert.ok(doc.channels.orders);
  });

  it('checks against a running server with --url', async () => {
    const server: HeraldServer = await startServer({ log: new MemoryLog(), dev: true, port: 0, logger: false });
    try {
      const url = ['--url', server.url];
      assert.equal((await herald(['schema', 'register', 'order.placed', '--file', join(dir, 'v1.json')], url)).code, 0);
      const check = await herald(['schema', 'check', 'order.placed', '--file', join(dir, 'v2.json'), '--json'], url);
      assert.equal(check.code, 1);
      assert.equal((JSON.parse(check.stdout) as { compatible: boolean }).compatible, false);
      assert.match((await herald(['catalog'], url)).stdout, /"asyncapi": ?"3\.0\.0"/);
    } finally {
      await server.close();
    }
  });

  it('forget deletes a subject\'s key', async () => {
    const keys = openSqliteSubjectKeys(join(dir, 'subject-keys.db'));
    await keys.keyFor('c-1');
    await keys.close();
    assert.match((await herald(['forget', 'c-1'])).stdout, /forgot c-1/);
    assert.match((await herald(['forget', 'c-1'])).stdout, /no key for c-1/);
  });
});
