import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allows, allowsAll, formatGrant, parseGrant, parseGrants } from './permissions.js';

describe('permissions', () => {
  it('parse actions and a pattern; * means every action', () => {
    assert.deepEqual(parseGrant('publish,read:orders.>'), { actions: ['publish', 'read'], pattern: 'orders.>' });
    assert.deepEqual(parseGrant('*:>').actions, ['publish', 'subscribe', 'read', 'admin', 'metrics']);
    assert.equal(formatGrant(parseGrant('*:>')), '*:>');
    assert.equal(formatGrant(parseGrant('read,publish:a')), 'read,publish:a');
  });

  it('reject malformed permissions naming the index', () => {
    for (const bad of ['publish', ':orders', 'delete:orders', 'read:a..b', 42]) {
      assert.throws(() => parseGrants([bad]), (e: Error & { details?: { field?: string } }) => e.details?.field === 'permissions[0]', String(bad));
    }
    assert.throws(() => parseGrants([]), /permissions/);
    assert.throws(() => parseGrants('read:>'), /permissions/);
  });

  it('allow an action only on matching topics', () => {
    const grants = parseGrants(['publish:orders.*', 'read:orders.>', 'admin:billing']);
    assert.ok(allows(grants, 'publish', 'orders.eu'));
    assert.ok(!allows(grants, 'publish', 'orders.eu.x'));
    assert.ok(allows(grants, 'read', 'orders.eu.x'));
    assert.ok(!allows(grants, 'read', 'orders'));
    assert.ok(!allows(grants, 'subscribe', 'orders.eu'));
    assert.ok(allows(grants, 'admin', 'billing'));
    assert.ok(!allowsAll(grants, 'admin'));
    assert.ok(allowsAll(parseGrants(['admin:>']), 'admin'));
  });

  it('a subscriber may dead-letter: publish to <topic>.dlq.<group> of a topic it may subscribe to', () => {
    const grants = parseGrants(['subscribe:orders']);
    assert.ok(allows(grants, 'publish', 'orders.dlq.billing'));
    assert.ok(!allows(grants, 'publish', 'orders'));
    assert.ok(!allows(grants, 'publish', 'payments.dlq.billing'));
  });
});
