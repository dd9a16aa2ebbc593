import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from './errors.js';
import { resolveOptions, type RabbitLogOptions } from './options.js';
import { withHeartbeat } from './session.js';

const url = 'amqp://guest:guest@127.0.0.1:5672';

function rejects(options: unknown, field: string): void {
  assert.throws(() => resolveOptions(options as RabbitLogOptions), (e: Error & { code?: string; details?: { field?: string } }) => {
    assert.equal(e.code, 'HERALD_E_INVALID_ARGUMENT');
    assert.equal(e.details?.field, field);
    assert.ok(e.message.includes(field.split('.').at(-1)!), e.message);
    return true;
  });
}

describe('rabbitmq options', () => {
  it('fills in defaults and maps stream retention to stream arguments', () => {
    const r = resolveOptions({ url, streamRetention: { maxAge: '7D', maxLengthBytes: 1_000_000 } });
    assert.equal(r.prefix, 'herald');
    assert.equal(r.cacheEvents, 10_000);
    assert.equal(r.snapshotEvery, 10_000);
    assert.equal(r.timeoutMs, 30_000);
    assert.equal(r.connectTimeoutMs, 10_000);
    assert.equal(resolveOptions({ url, timeoutMs: 4000 }).connectTimeoutMs, 4000, 'never above timeoutMs by default');
    assert.equal(r.heartbeatSeconds, 5, 'a dead connection is noticed in ~10-15 s, not the broker default 60 s x 2');
    assert.deepEqual(r.streamArguments, { 'x-queue-type': 'stream', 'x-max-age': '7D', 'x-max-length-bytes': 1_000_000 });
  });

  it('rejects each malformed option, naming it', () => {
    rejects(undefined, 'options');
    rejects({ url: 'http://x' }, 'url');
    rejects({ url: 42 }, 'url');
    rejects({ url, prefix: 'a.b' }, 'prefix');
    rejects({ url, prefix: 'x'.repeat(41) }, 'prefix');
    rejects({ url, clock: {} }, 'clock');
    rejects({ url, streamRetention: 'forever' }, 'streamRetention');
    rejects({ url, streamRetention: { maxAge: '7 days' } }, 'streamRetention.maxAge');
    rejects({ url, streamRetention: { maxLengthBytes: 0 } }, 'streamRetention.maxLengthBytes');
    rejects({ url, cacheEvents: 0 }, 'cacheEvents');
    for (const snapshotEvery of [0, 2.5, '100']) rejects({ url, snapshotEvery }, 'snapshotEvery');
    rejects({ url, timeoutMs: 1.5 }, 'timeoutMs');
    rejects({ url, connectTimeoutMs: 0 }, 'connectTimeoutMs');
    for (const heartbeatSeconds of [0, 1.5, '5', 601]) rejects({ url, heartbeatSeconds }, 'heartbeatSeconds');
  });

  it('asks the broker for the heartbeat in the URL, unless the URL names one', () => {
    assert.equal(withHeartbeat('amqp://u:p@h:5672/vh', 5), 'amqp://u:p@h:5672/vh?heartbeat=5');
    assert.equal(withHeartbeat('amqp://h/vh?frameMax=0', 7), 'amqp://h/vh?frameMax=0&heartbeat=7');
    assert.equal(withHeartbeat('amqp://h?heartbeat=30', 5), 'amqp://h?heartbeat=30');
  });

  it('redacts passwords from URLs', () => {
    assert.equal(redactUrl('amqp://user:pa55@host:5672/vh'), 'amqp://user:***@host:5672/vh');
    assert.equal(redactUrl('amqps://host'), 'amqps://host');
  });
});
