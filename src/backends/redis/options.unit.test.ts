import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeraldError } from '../../core/errors.js';
import { redactUrl, resolveOptions, type RedisLogOptions } from './options.js';

const fieldOf = (options: unknown): unknown => {
  try {
    resolveOptions(options as RedisLogOptions);
  } catch (error) {
    assert.ok(error instanceof HeraldError && error.code === 'HERALD_E_INVALID_ARGUMENT', String(error));
    assert.ok(error.message.includes(String(error.details.field)), error.message);
    return error.details.field;
  }
  return undefined;
};

describe('redis options', () => {
  it('defaults to the local server under the prefix `herald`, on the server clock, dead connections noticed in 15 s', () => {
    assert.deepEqual(resolveOptions(), {
      url: 'redis://127.0.0.1:6379', prefix: 'herald', clock: undefined, connectTimeoutMs: 5000,
      socketTimeoutMs: 15_000, commandTimeoutMs: 30_000, keepAliveMs: 5000, requireDurable: false,
    });
  });

  it('rejects malformed options, naming the field', () => {
    assert.equal(fieldOf({ url: 'http://localhost' }), 'url');
    assert.equal(fieldOf({ url: 42 }), 'url');
    assert.equal(fieldOf({ prefix: '' }), 'prefix');
    assert.equal(fieldOf({ prefix: 'a{b}' }), 'prefix', 'braces would change the cluster hash tag');
    assert.equal(fieldOf({ prefix: 'a*' }), 'prefix');
    assert.equal(fieldOf({ prefix: 'x'.repeat(101) }), 'prefix');
    assert.equal(fieldOf({ clock: {} }), 'clock');
    assert.equal(fieldOf({ connectTimeoutMs: 0 }), 'connectTimeoutMs');
    assert.equal(fieldOf({ connectTimeoutMs: 1.5 }), 'connectTimeoutMs');
    for (const field of ['socketTimeoutMs', 'commandTimeoutMs', 'keepAliveMs']) {
      for (const value of [999, 1.5e3 + 0.5, '10s', 3_600_001]) assert.equal(fieldOf({ [field]: value }), field, `${field}: ${String(value)}`);
    }
    assert.equal(fieldOf(null), 'options');
    assert.equal(fieldOf({ url: 'rediss://u:p@h:6380/2', prefix: 'app:prod-1.x' }), undefined);
  });

  it('redacts credentials in URLs', () => {
    assert.equal(redactUrl('redis://user:secret@host:6379/0'), 'redis://user:***@host:6379/0');
    assert.equal(redactUrl('rediss://:secret@host'), 'rediss://:***@host');
    assert.equal(redactUrl('redis://token@host'), 'redis://***@host');
    assert.equal(redactUrl('redis://host:6379'), 'redis://host:6379');
  });
});
