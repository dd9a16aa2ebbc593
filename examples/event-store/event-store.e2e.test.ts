import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository: the first directory above the compiled test that holds package.json (dist/ or any build dir). */
function repoRoot(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error('package.json not found above the test');
  }
}
const root = repoRoot();

function between(text: string, begin: string, end: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from + begin.length);
  assert.ok(from >= 0 && to > from, `markers ${begin} … ${end} not found`);
  return text.slice(from + begin.length, to).trim();
}

test('docs/event-store.md shows the order decider exactly as examples/event-store/order.ts has it', () => {
  const doc = readFileSync(join(root, 'docs/event-store.md'), 'utf8');
  const source = readFileSync(join(root, 'examples/event-store/order.ts'), 'utf8');
  assert.equal(between(doc, '<!-- example:begin -->\n```ts', '```\n<!-- example:end -->'), between(source, '// DOC:begin', '// DOC:end'));
});

test('the event-store example runs: commands, a refused racing command, the stream on its topic, an upcast event', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-event-store-'));
  try {
    const out = execFileSync(process.execPath, [join(import.meta.dirname, 'main.js'), join(dir, 'herald.db')], { encoding: 'utf8', timeout: 30_000 });
    assert.deepEqual(out.trim().split('\n'), [
      'placed: revision 1, status placed',
      'ship: revision 2 after 0 retries',
      'cancel: refused (cannot cancel an order that is shipped)',
      'order-1 #1 order.placed ($all 1)',
      'order-1 #2 order.shipped ($all 2)',
      'topic order @1 order.placed key=order-1',
      'topic order @2 order.shipped key=order-1',
      'order-2 upcast: v2 {"orderId":"order-2","total":7}',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
