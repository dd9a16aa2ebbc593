import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');

function between(text: string, begin: string, end: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from + begin.length);
  assert.ok(from >= 0 && to > from, `markers ${begin} … ${end} not found`);
  return text.slice(from + begin.length, to).trim();
}

test('the README example is the quickstart file, and it runs', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const snippet = between(readme, '```ts', '```');
  const source = between(readFileSync(join(root, 'examples/quickstart/main.ts'), 'utf8'), '// README:begin', '// README:end');
  assert.equal(snippet, source, 'README.md and examples/quickstart/main.ts differ');

  const cwd = mkdtempSync(join(tmpdir(), 'herald-quickstart-'));
  try {
    const out = execFileSync(process.execPath, [join(root, 'dist/examples/quickstart/main.js')], { cwd, encoding: 'utf8', timeout: 30_000 });
    assert.match(out, /^order\.placed 1$/m);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
