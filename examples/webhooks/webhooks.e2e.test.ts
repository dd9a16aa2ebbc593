import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docSnippet, exampleSnippet, repoRoot } from '../projections/doc-snippet.js';

const here = import.meta.dirname;
const root = repoRoot(here);

test('docs/webhooks.md shows the example, and the example runs: signed, retried, disabled by 410, enabled again', () => {
  const doc = docSnippet(readFileSync(join(root, 'docs/webhooks.md'), 'utf8'), 'examples/webhooks/main.ts');
  assert.equal(doc, exampleSnippet(readFileSync(join(root, 'examples/webhooks/main.ts'), 'utf8')), 'docs/webhooks.md and examples/webhooks/main.ts differ');
  const cwd = mkdtempSync(join(tmpdir(), 'herald-webhooks-'));
  try {
    const out = execFileSync(process.execPath, [join(here, 'main.js')], { cwd, encoding: 'utf8', timeout: 30_000 });
    assert.match(out, /^disabled: the endpoint answered 410 Gone$/m);
    assert.match(out, /^received o-1 order\.placed, o-2 order\.placed, o-2 order\.placed, o-3 order\.placed$/m, 'o-2 retried after the 503');
    assert.match(out, /^after enable o-3 order\.placed$/m, 'o-3, refused with 410, goes out again once enabled');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
