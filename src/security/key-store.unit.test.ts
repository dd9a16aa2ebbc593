import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLog } from '../log/memory/index.js';
import { KEYS_TOPIC, KeyStore } from './key-store.js';

describe('key store', () => {
  it('creates keys whose secret is stored nowhere, authenticates them, and revokes them', async () => {
    const log = new MemoryLog();
    const store = await KeyStore.open(log, { pollMs: 0 });
    const { key, info } = await store.create({ tenant: 'acme', permissions: ['publish:orders.>', 'read:>'], name: 'ci' });
    assert.deepEqual(info.permissions, ['publish:orders.>', 'read:>']);
    const stored = [];
    for await (const e of log.read(KEYS_TOPIC)) stored.push(JSON.stringify(e));
    // The whole secret, after `hk_<id>_`: it is base64url, so it may contain '_' itself.
    assert.ok(!stored.join('').includes(key.slice(key.indexOf('_', 3) + 1)), 'the secret is not in the log');
    const auth = store.authenticate(key);
    assert.ok(auth.ok && auth.key.tenant === 'acme' && auth.grants.length === 2);
    assert.deepEqual(store.authenticate('nonsense'), { ok: false, reason: 'malformed' });
    assert.deepEqual(store.authenticate(`${key.slice(0, -2)}xx`), { ok: false, reason: 'unknown' });
    const revoked: string[] = [];
    store.onRevoke((id) => revoked.push(id));
    await assert.rejects(() => store.revoke(info.id, 'globex'), /no key/, 'another tenant cannot revoke it');
    const after = await store.revoke(info.id, 'acme');
    assert.ok(after.revokedAt);
    assert.deepEqual(revoked, [info.id]);
    assert.deepEqual(store.authenticate(key), { ok: false, reason: 'revoked' });
    await store.close();
  });

  it('a second store on the same log sees keys created and revoked by the first', async () => {
    const log = new MemoryLog();
    const a = await KeyStore.open(log, { pollMs: 0 });
    const b = await KeyStore.open(log, { pollMs: 20 });
    const { key, info } = await a.create({ tenant: 'acme', permissions: ['*:>'] });
    await b.refresh();
    assert.ok(b.authenticate(key).ok);
    const seen = new Promise<string>((resolve) => b.onRevoke(resolve));
    const keepAlive = setTimeout(() => undefined, 5_000); // the store's poll timer does not hold the process open
    await a.revoke(info.id);
    assert.equal(await seen, info.id, 'noticed by polling');
    clearTimeout(keepAlive);
    assert.equal(b.list('acme').length, 1);
    assert.deepEqual(b.list('globex'), []);
    await Promise.all([a.close(), b.close()]);
  });

  it('an expired key no longer authenticates', async () => {
    const store = await KeyStore.open(new MemoryLog(), { pollMs: 0 });
    const soon = await store.create({ tenant: 'acme', permissions: ['read:>'], expiresAt: new Date(Date.now() + 1_000) }); // wide margin: a loaded CI machine is slow
    assert.ok(store.authenticate(soon.key).ok);
    await new Promise((r) => setTimeout(r, 1_100));
    assert.deepEqual(store.authenticate(soon.key), { ok: false, reason: 'expired' });
    assert.ok(store.info(soon.info.id)?.expiresAt);
    await store.close();
  });

  it('rejects bad tenants and permissions', async () => {
    const store = await KeyStore.open(new MemoryLog(), { pollMs: 0 });
    await assert.rejects(() => store.create({ tenant: 'A_B', permissions: ['*:>'] }), /tenant/);
    await assert.rejects(() => store.create({ tenant: 'acme', permissions: ['fly:>'] }), /permissions\[0\]/);
    assert.equal(store.size, 0);
    await store.close();
  });
});
