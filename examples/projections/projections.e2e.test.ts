import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docSnippet, exampleSnippet, repoRoot } from './doc-snippet.js';

const here = import.meta.dirname;
const root = repoRoot(here);

test('docs/projections.md shows the example, and the example runs: v1 serves, v2 rebuilds and takes over', () => {
  const doc = docSnippet(readFileSync(join(root, 'docs/projections.md'), 'utf8'), 'examples/projections/main.ts');
  assert.equal(doc, exampleSnippet(readFileSync(join(root, 'examples/projections/main.ts'), 'utf8')), 'docs/projections.md and examples/projections/main.ts differ');
  const cwd = mkdtempSync(join(tmpdir(), 'herald-projections-'));
  try {
    const out = execFileSync(process.execPath, [join(here, 'main.js')], { cwd, encoding: 'utf8', timeout: 30_000 });
    assert.match(out, /^v1 \[\{"status":"placed","n":4\},\{"status":"shipped","n":1\}\]$/m);
    assert.match(out, /^v2 \[\{"status":"placed","n":4\},\{"status":"shipped","n":1\}\] orders_v2$/m);
    assert.match(out, /^status \{"state":"live","lag":0,"applied":6\}$/m);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
