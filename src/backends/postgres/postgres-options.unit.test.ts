import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeraldError } from '../../core/errors.js';
import { fromPg } from './errors.js';
import { redact, resolveOptions, type PostgresLogOptions } from './options.js';

const URL_ = 'postgres://app:s3cret@db.example:5432/herald';

function rejects(options: unknown, field: string): void {
  assert.throws(() => resolveOptions(options as PostgresLogOptions), (error: unknown) => {
    assert.ok(error instanceof HeraldError);
    assert.equal(error.code, 'HERALD_E_INVALID_ARGUMENT');
    assert.equal(error.details.field, field);
    assert.match(error.message, new RegExp(field));
    return true;
  });
}

describe('postgres options', () => {
  it('defaults: schema herald, 5 connections, 5 s connect timeout, 15 s query timeout, 5 s keepalive, the server clock', () => {
    const o = resolveOptions({ connectionString: URL_ });
    assert.deepEqual(o, {
      connectionString: URL_, schema: 'herald', poolSize: 5, connectTimeoutMs: 5000, queryTimeoutMs: 15_000, keepAliveMs: 5000,
      clock: undefined, streamTopic: undefined, requireDurable: false,
    });
    assert.equal(resolveOptions({ connectionString: URL_, queryTimeoutMs: 0 }).queryTimeoutMs, 0, '0: no query timeout');
  });

  it('rejects each malformed option, naming the field', () => {
    rejects(undefined, 'options');
    rejects({}, 'connectionString');
    rejects({ connectionString: 'mysql://x' }, 'connectionString');
    for (const schema of ['', 'Herald', '1abc', 'a-b', 'pg_catalog', 'x'.repeat(49), 'a"b', 7]) rejects({ connectionString: URL_, schema }, 'schema');
    for (const poolSize of [0, -1, 1.5, '3', 1001]) rejects({ connectionString: URL_, poolSize }, 'poolSize');
    for (const connectTimeoutMs of [0, Number.NaN, 'soon']) rejects({ connectionString: URL_, connectTimeoutMs }, 'connectTimeoutMs');
    for (const queryTimeoutMs of [-1, 1.5, '15s', 3_600_001]) rejects({ connectionString: URL_, queryTimeoutMs }, 'queryTimeoutMs');
    for (const keepAliveMs of [0, 999, '5s']) rejects({ connectionString: URL_, keepAliveMs }, 'keepAliveMs');
    rejects({ connectionString: URL_, clock: {} }, 'clock');
  });

  it('redact hides passwords in the URL and its parameters', () => {
    assert.equal(redact(URL_), 'postgres://app:***@db.example:5432/herald');
    assert.equal(redact('postgres://db/x?user=a&password=p'), 'postgres://db/x?user=a&password=***');
    assert.equal(redact('postgres://db/x'), 'postgres://db/x');
    assert.equal(redact('postgres://u:pw@[bad/x'), 'postgres://(unparseable URL)');
  });
});

describe('postgres error mapping', () => {
  const where = redact(URL_);
  const pgError = (code: string, message = 'boom'): Error => Object.assign(new Error(message), { code });

  it('connection failures are HERALD_E_UNAVAILABLE (retryable) and name the redacted server', () => {
    for (const error of [pgError('ECONNREFUSED'), pgError('08006'), pgError('57P01'), pgError('53300'), new Error('Connection terminated unexpectedly'), new Error('Query read timeout')]) {
      const mapped = fromPg(error, 'appending to orders', where);
      assert.ok(mapped instanceof HeraldError, String(error));
      assert.equal(mapped.code, 'HERALD_E_UNAVAILABLE');
      assert.equal(mapped.retryable, true);
      assert.match(mapped.message, /appending to orders/);
      assert.ok(!mapped.message.includes('s3cret'), 'no password in the message');
      assert.equal(mapped.cause, error);
    }
  });

  it('disk full, deadlocks and serialization failures map to their codes; other errors pass through', () => {
    assert.equal((fromPg(pgError('53100'), 'x', where) as HeraldError).code, 'HERALD_E_STORAGE_FULL');
    assert.equal((fromPg(pgError('40P01'), 'x', where) as HeraldError).code, 'HERALD_E_BUSY');
    assert.equal((fromPg(pgError('40001'), 'x', where) as HeraldError).code, 'HERALD_E_BUSY');
    const other = pgError('42P01');
    assert.equal(fromPg(other, 'x', where), other);
    const herald = new HeraldError('HERALD_E_CLOSED', 'closed');
    assert.equal(fromPg(herald, 'x', where), herald);
  });
});
