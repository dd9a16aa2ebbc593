import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docSnippet, exampleSnippet, repoRoot } from '../projections/doc-snippet.js';

const here = import.meta.dirname;
const root = repoRoot(here);

test('docs/outbox-inbox.md shows the example, and the example runs: atomic outbox, relay, inbox dedup', () => {
  const doc = docSnippet(readFileSync(join(root, 'docs/outbox-inbox.md'), 'utf8'), 'examples/outbox/main.ts');
  assert.equal(doc, exampleSnippet(readFileSync(join(root, 'examples/outbox/main.ts'), 'utf8')), 'docs/outbox-inbox.md and examples/outbox/main.ts differ');
  const cwd = mkdtempSync(join(tmpdir(), 'herald-outbox-'));
  try {
    const out = execFileSync(process.execPath, [join(here, 'main.js')], { cwd, encoding: 'utf8', timeout: 30_000 });
    assert.match(out, /^o-1 again: rejected, no event$/m);
    assert.match(out, /^relayed \{"state":"running","pending":0,"relayed":2,"lastSeq":2,"errors":0\}$/m);
    assert.match(out, /^invoices \[\{"order_id":"o-1","total":42\},\{"order_id":"o-2","total":7\}\]$/m, 'the redelivered event was invoiced once');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
