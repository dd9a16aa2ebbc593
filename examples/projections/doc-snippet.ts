import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root above a compiled test (wherever the build put it). */
export function repoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'docs'))) return dir;
  }
  throw new Error(`no repository root above ${from}`);
}

/** The code between `// docs:begin` and `// docs:end` in an example file. */
export function exampleSnippet(source: string): string {
  return between(source, '// docs:begin\n', '// docs:end');
}

/** The ```ts block that follows `<!-- example: <path> -->` in a doc. */
export function docSnippet(doc: string, path: string): string {
  const marker = `<!-- example: ${path} -->`;
  const at = doc.indexOf(marker);
  assert.ok(at >= 0, `${marker} not found`);
  return between(doc.slice(at), '```ts\n', '```');
}

function between(text: string, begin: string, end: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from + begin.length);
  assert.ok(from >= 0 && to > from, `markers ${JSON.stringify(begin)} … ${JSON.stringify(end)} not found`);
  return text.slice(from + begin.length, to).trim();
}
