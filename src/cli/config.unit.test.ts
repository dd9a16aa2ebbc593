import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeBackend, type BackendConfig } from './backends.js';
import { configFromEnv, mergeConfig, readConfigFile } from './config.js';
import { resolveTarget } from './context.js';
import { loadWebhooks } from './webhook-config.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(content: unknown): string {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('serve configuration', () => {
  it('defaults to the embedded SQLite backend on 127.0.0.1:8080', () => {
    assert.deepEqual(mergeConfig(), { host: '127.0.0.1', port: 8080, backend: { kind: 'sqlite' } });
  });

  it('reads a file; the environment overrides it field by field, flags override both', () => {
    const fromFile = readConfigFile(file({ backend: { kind: 'sqlite', path: '/srv/h.db', durability: 'os' }, port: 9000, rate: 50, tls: { cert: 'c.pem', key: 'k.pem' } }));
    const fromEnv = configFromEnv({ HERALD_DB: '/data/other.db', HERALD_PORT: '9100' });
    const merged = mergeConfig(fromFile, fromEnv, { host: '0.0.0.0' });
    assert.deepEqual(merged, {
      host: '0.0.0.0', port: 9100, rate: 50, tls: { cert: 'c.pem', key: 'k.pem' },
      backend: { kind: 'sqlite', path: '/data/other.db', durability: 'os' },
    });
    assert.deepEqual(mergeConfig(fromFile, configFromEnv({ HERALD_BACKEND: 'memory' })).backend.kind, 'memory');
  });

  it('points a scale-out backend at its server and namespace; printed URLs hide passwords', () => {
    const fromFile = readConfigFile(file({ backend: { kind: 'postgres', url: 'postgres://app:s3cret@db:5432/prod', namespace: 'shop' } }));
    assert.deepEqual(mergeConfig(fromFile).backend, { kind: 'postgres', url: 'postgres://app:s3cret@db:5432/prod', namespace: 'shop' });
    const env = mergeConfig(configFromEnv({ HERALD_BACKEND: 'nats', HERALD_BACKEND_URL: 'nats://a:4222,nats://b:4222', HERALD_NAMESPACE: 'eu' }));
    assert.deepEqual(env.backend, { kind: 'nats', url: 'nats://a:4222,nats://b:4222', namespace: 'eu' });
    assert.equal(describeBackend(fromFile.backend as BackendConfig), 'postgres at postgres://app:***@db:5432/prod, namespace shop');
  });

  it('takes JWT key files from the file and the environment, never the secrets', () => {
    const fromFile = readConfigFile(file({ jwt: { secretFile: '/etc/herald/jwt.secret', issuer: 'https://id.example.com' } }));
    const merged = mergeConfig(fromFile, configFromEnv({ HERALD_JWT_AUDIENCE: 'herald' }));
    assert.deepEqual(merged.jwt, { secretFile: '/etc/herald/jwt.secret', issuer: 'https://id.example.com', audience: 'herald' });
    assert.throws(() => readConfigFile(file({ jwt: { secret: 'hunter2' } })), /unknown field jwt\.secret/);
  });

  it('takes webhooks from the file, each secret from a file of its own', () => {
    const secretFile = join(dir, 'crm.secret');
    writeFileSync(secretFile, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n');
    const hooks = [{ name: 'crm', topic: 'orders', url: 'https://crm.example.com/in', secretFile, allow: ['10.0.0.0/8'], maxAttempts: 3, timeout: 5000 }];
    const merged = mergeConfig(readConfigFile(file({ webhooks: hooks })));
    assert.deepEqual(merged.webhooks, hooks);
    assert.deepEqual(loadWebhooks(merged.webhooks), [{ name: 'crm', topic: 'orders', url: 'https://crm.example.com/in', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', allow: ['10.0.0.0/8'], maxAttempts: 3, timeout: 5000 }]);
    assert.throws(() => loadWebhooks([{ ...hooks[0]!, secretFile: join(dir, 'none.secret') }]), /cannot read the secret of webhook crm from .*none\.secret: ENOENT/);
    const invalid: [unknown, RegExp][] = [
      [{ webhooks: {} }, /webhooks must be a list/],
      [{ webhooks: [{ topic: 'o', url: 'https://a', secretFile: 'f' }] }, /webhooks\[0\]\.name must be a non-empty string/],
      [{ webhooks: [{ ...hooks[0], secret: 'whsec_x' }] }, /unknown field webhooks\[0\]\.secret/],
      [{ webhooks: [{ ...hooks[0], allow: '10.0.0.0/8' }] }, /webhooks\[0\]\.allow must be a list/],
      [{ webhooks: [hooks[0], { ...hooks[0], maxAttempts: 0 }] }, /webhooks\[1\]\.maxAttempts must be a positive integer/],
    ];
    for (const [content, message] of invalid) assert.throws(() => readConfigFile(file(content)), message, JSON.stringify(content));
  });

  it('names the field of every mistake', () => {
    const cases: [unknown, RegExp][] = [
      [{ backend: { kind: 'kafka' } }, /backend\.kind must be one of sqlite, memory, postgres, nats, redis, rabbitmq/],
      [{ backend: { kind: 'sqlite', durability: 'maybe' } }, /backend\.durability must be fsync or os/],
      [{ port: -1 }, /port must be an integer >= 0/],
      [{ port: '80x' }, /port must be an integer/],
      [{ prot: 80 }, /unknown field prot/],
      [{ backend: { kind: 'sqlite', file: 'x' } }, /unknown field backend\.file/],
      [{ tls: { cert: 'c.pem' } }, /tls must be both cert and key/],
      [{ allowOrigins: 'https://a' }, /allowOrigins must be an array of strings/],
      [[1, 2], /\(root\) must be an object/],
      ['{not json', /cannot read the config file/],
    ];
    for (const [content, message] of cases) assert.throws(() => readConfigFile(file(content)), message, JSON.stringify(content));
    assert.throws(() => readConfigFile(join(dir, 'missing.json')), /cannot read the config file/);
    assert.throws(() => configFromEnv({ HERALD_PORT: 'eighty' }), /environment: HERALD_PORT must be an integer/);
    assert.throws(() => configFromEnv({ HERALD_BACKEND: 'mysql' }), /backend\.kind must be one of/);
  });
});

describe('CLI target', () => {
  it('is the embedded database unless --url or HERALD_URL names a server', () => {
    assert.deepEqual(resolveTarget({}, {}), { kind: 'embedded', path: './data/herald.db' });
    assert.deepEqual(resolveTarget({}, { HERALD_DB: '/x.db' }), { kind: 'embedded', path: '/x.db' });
    assert.deepEqual(resolveTarget({ url: 'http://h:1' }, { HERALD_KEY: 'hk_a_b' }), { kind: 'remote', url: 'http://h:1', key: 'hk_a_b' });
    assert.deepEqual(resolveTarget({}, { HERALD_URL: 'https://h' }), { kind: 'remote', url: 'https://h' });
  });

  it('reads the key from a file, which wins over HERALD_KEY; refuses --db with --url and odd URLs', () => {
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, 'hk_file_secret\n');
    assert.deepEqual(resolveTarget({ url: 'http://h', keyFile }, { HERALD_KEY: 'hk_env_x' }), { kind: 'remote', url: 'http://h', key: 'hk_file_secret' });
    assert.throws(() => resolveTarget({ url: 'http://h', keyFile: join(dir, 'nope') }, {}), /cannot read the key file/);
    assert.throws(() => resolveTarget({ url: 'http://h', db: 'x.db' }, {}), /--db and --url exclude each other/);
    assert.throws(() => resolveTarget({ url: 'file:///etc/passwd' }, {}), /--url must be an http/);
  });
});
