import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE, HeraldError, NonRetryableError, invalidArgument, isHeraldError, type ErrorCode } from './errors.js';

interface DocRow { code: string; retryable: string; meaning: string }

/** The rows of the `| code | retryable | meaning |` table in docs/errors.md. */
function documentedCodes(): DocRow[] {
  // Compiled to dist/src/core/: the repository root is three levels up (also right from src/core/ via ts runners).
  const candidates = [new URL('../../../docs/errors.md', import.meta.url), new URL('../../docs/errors.md', import.meta.url)];
  const url = candidates.find((u) => { try { readFileSync(u); return true; } catch { return false; } });
  assert.ok(url, 'docs/errors.md exists');
  const lines = readFileSync(url, 'utf8').split('\n').map((l) => l.trim());
  const header = lines.findIndex((l) => /^\|\s*code\s*\|\s*retryable\s*\|\s*meaning\s*\|$/.test(l));
  assert.ok(header >= 0, 'docs/errors.md has a | code | retryable | meaning | table');
  assert.match(lines[header + 1] ?? '', /^\|(\s*:?-+:?\s*\|){3}$/, 'the header is followed by a separator row');
  const rows: DocRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.slice(1, -1).split('|').map((c) => c.trim());
    assert.equal(cells.length, 3, `three cells in ${line}`);
    const [code, retryable, meaning] = cells as [string, string, string];
    rows.push({ code: code.replace(/^`(.*)`$/, '$1'), retryable, meaning });
  }
  return rows;
}

describe('error catalogue', () => {
  it('docs/errors.md lists exactly the codes of ERROR_CATALOGUE, with the same retryable flag and meaning', () => {
    const rows = documentedCodes();
    const documented = rows.map((r) => r.code);
    const catalogued = Object.keys(ERROR_CATALOGUE);
    assert.deepEqual(documented.filter((c) => !catalogued.includes(c)), [], 'documented but not in src/core/errors.ts');
    assert.deepEqual(catalogued.filter((c) => !documented.includes(c)), [], 'in src/core/errors.ts but not documented');
    assert.equal(new Set(documented).size, documented.length, 'each code documented once');
    for (const row of rows) {
      const entry = ERROR_CATALOGUE[row.code as ErrorCode];
      assert.equal(row.retryable, entry.retryable ? 'yes' : 'no', `retryable of ${row.code}`);
      assert.equal(row.meaning, entry.summary, `meaning of ${row.code}`);
    }
  });

  it('codes are HERALD_E_ followed by upper-case words', () => {
    for (const code of Object.keys(ERROR_CATALOGUE)) assert.match(code, /^HERALD_E_[A-Z]+(_[A-Z]+)*$/);
  });
});

describe('HeraldError', () => {
  it('carries code, retryable from the catalogue, details and cause', () => {
    const cause = new Error('disk');
    const error = new HeraldError('HERALD_E_STORAGE_FULL', 'no space', { details: { path: '/data' }, cause });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'HeraldError');
    assert.equal(error.code, 'HERALD_E_STORAGE_FULL');
    assert.equal(error.retryable, true);
    assert.deepEqual(error.details, { path: '/data' });
    assert.equal(error.cause, cause);
    assert.deepEqual(error.toJSON(), { code: 'HERALD_E_STORAGE_FULL', message: 'no space', retryable: true, details: { path: '/data' } });
    assert.equal(JSON.stringify(error), JSON.stringify(error.toJSON()));
  });

  it('defaults details to {} and lets retryable be overridden', () => {
    const error = new HeraldError('HERALD_E_TIMEOUT', 'slow', { retryable: false });
    assert.equal(error.retryable, false);
    assert.deepEqual(error.details, {});
    assert.equal(error.cause, undefined);
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) assert.equal(new HeraldError(code as ErrorCode, 'x').retryable, entry.retryable);
  });

  it('isHeraldError checks the class and, when given, the code', () => {
    const error = new HeraldError('HERALD_E_CLOSED', 'closed');
    assert.equal(isHeraldError(error), true);
    assert.equal(isHeraldError(error, 'HERALD_E_CLOSED'), true);
    assert.equal(isHeraldError(error, 'HERALD_E_BUSY'), false);
    assert.equal(isHeraldError(new Error('plain')), false);
    assert.equal(isHeraldError({ code: 'HERALD_E_CLOSED' }), false);
  });

  it('NonRetryableError is a HeraldError with HERALD_E_NON_RETRYABLE that is never retryable', () => {
    const error = new NonRetryableError('card stolen', { details: { card: 'last4' } });
    assert.ok(error instanceof HeraldError);
    assert.equal(error.name, 'NonRetryableError');
    assert.equal(error.code, 'HERALD_E_NON_RETRYABLE');
    assert.equal(error.retryable, false);
    assert.deepEqual(error.details, { card: 'last4' });
  });

  it('invalidArgument makes HERALD_E_INVALID_ARGUMENT with optional details', () => {
    const error = invalidArgument('max must be a positive integer', { field: 'max' });
    assert.equal(error.code, 'HERALD_E_INVALID_ARGUMENT');
    assert.equal(error.retryable, false);
    assert.deepEqual(error.details, { field: 'max' });
    assert.deepEqual(invalidArgument('x').details, {});
  });
});
