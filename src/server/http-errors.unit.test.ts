import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE, HeraldError, type ErrorCode } from '../core/errors.js';
import { toHttpError } from './http-errors.js';

describe('HTTP errors', () => {
  it('every catalogued code has a status; 4xx for the caller\'s mistakes', () => {
    for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
      const { status, body } = toHttpError(new HeraldError(code, 'm'));
      assert.ok(status >= 400 && status < 600, code);
      assert.equal(body.error.code, code);
    }
    const statuses = Object.fromEntries((['HERALD_E_INVALID_EVENT', 'HERALD_E_UNAUTHENTICATED', 'HERALD_E_FORBIDDEN', 'HERALD_E_NOT_FOUND', 'HERALD_E_STALE_LEASE', 'HERALD_E_TOO_LARGE', 'HERALD_E_RATE_LIMITED', 'HERALD_E_UNAVAILABLE'] as const)
      .map((c) => [c, toHttpError(new HeraldError(c, 'm')).status]));
    assert.deepEqual(Object.values(statuses), [400, 401, 403, 404, 409, 413, 429, 503]);
  });

  it('an unexpected error is a 500 that says nothing about itself, flagged for the log', () => {
    const http = toHttpError(new Error('connection string postgres://u:secret@db'));
    assert.equal(http.status, 500);
    assert.equal(http.body.error.message, 'internal error');
    assert.ok(!JSON.stringify(http.body).includes('secret'));
    assert.ok(http.unexpected);
  });

  it('fastify\'s body errors become herald codes; Retry-After comes from details or a 503', () => {
    assert.equal(toHttpError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).body.error.code, 'HERALD_E_TOO_LARGE');
    const media = toHttpError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }));
    assert.deepEqual([media.status, media.body.error.details], [415, { field: 'content-type' }]);
    const quoted = toHttpError(Object.assign(new Error('Unexpected token in "hk_abc"'), { code: 'FST_ERR_X', statusCode: 400 }));
    assert.ok(!quoted.body.error.message.includes('hk_abc'), 'fastify\'s message may quote the request: not echoed');
    assert.equal(toHttpError(new HeraldError('HERALD_E_RATE_LIMITED', 'm', { details: { retryAfterSeconds: 7 } })).retryAfterSeconds, 7);
    assert.equal(toHttpError(new HeraldError('HERALD_E_UNAVAILABLE', 'm')).retryAfterSeconds, 1);
  });
});
