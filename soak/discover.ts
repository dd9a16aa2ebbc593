import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * Finds compiled test files under the build root by small globs: `dir/name*.test.js` (`*` within
 * a name) and `dir/**\/name` (any depth below dir). Paths are returned relative to the root,
 * sorted, so a plan lists the same files every time.
 */
export function discover(root: string, patterns: readonly string[]): string[] {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const deep = pattern.indexOf('/**/');
    const dir = deep >= 0 ? pattern.slice(0, deep) : posix.dirname(pattern);
    const name = deep >= 0 ? pattern.slice(deep + 4) : posix.basename(pattern);
    const re = new RegExp(`^${name.split('*').map(escape).join('[^/]*')}$`);
    for (const file of walk(root, dir, deep >= 0)) if (re.test(posix.basename(file))) found.add(file);
  }
  return [...found].sort();
}

/** True when the compiled file mentions the variable (so the test reads that size knob). */
export function readsEnv(root: string, file: string, variable: string): boolean {
  try {
    return readFileSync(join(root, file), 'utf8').includes(variable);
  } catch {
    return false;
  }
}

function walk(root: string, dir: string, deep: boolean): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    const rel = posix.join(dir, e.name);
    if (e.isFile()) out.push(rel);
    else if (e.isDirectory() && deep) out.push(...walk(root, rel, true));
  }
  return out;
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
