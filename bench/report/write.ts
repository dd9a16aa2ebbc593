/**
 * Writes docs/performance.md and docs/performance/*.svg from a results file. A
 * `<results>.notes.md` beside the results file is appended as the report's notes.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { BACKENDS_SUFFIX, newestBackends, type BackendsResults } from '../backends-results.js';
import type { BenchResults } from '../results.js';
import { charts } from './charts.js';
import { markdown } from './markdown.js';

export const RESULTS = join('bench', 'results');

/**
 * The newest full run (file names start with the date); quick runs only when there is no full one.
 * `bench:backends` files are another kind of result (read by `backendsBeside`).
 */
export function newestResults(dir: string): string | undefined {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith(BACKENDS_SUFFIX)).sort() : [];
  const full = files.filter((f) => !f.endsWith('.quick.json'));
  const pick = (full.length > 0 ? full : files).at(-1);
  return pick === undefined ? undefined : join(dir, pick);
}

/** The newest `bench:backends` results in the directory of `file`, with its repository-relative name. */
export function backendsBeside(file: string): { backends: BackendsResults; backendsSource: string } | undefined {
  const dir = dirname(file);
  const name = newestBackends(existsSync(dir) ? readdirSync(dir) : []);
  if (name === undefined) return undefined;
  const backends = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Partial<BackendsResults>;
  if (!Array.isArray(backends.rows) || typeof backends.events !== 'number') throw new Error(`${name}: not a bench:backends results file (no rows)`);
  return { backends: backends as BackendsResults, backendsSource: repoName(join(dir, name)) };
}

/** A path as the repository names it (never this machine's absolute path). */
function repoName(file: string): string {
  const source = relative(process.cwd(), file).split('\\').join('/');
  return source.startsWith('..') ? basename(file) : source;
}

export function writeReport(file: string, docsDir = 'docs'): { markdown: string; charts: string[] } {
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  if (results.schema !== 1) throw new Error(`${file}: unknown results schema ${String(results.schema)}`);
  const svgs = charts(results);
  const chartDir = join(docsDir, 'performance');
  rmSync(chartDir, { recursive: true, force: true });
  mkdirSync(chartDir, { recursive: true });
  for (const [name, svg] of svgs) writeFileSync(join(chartDir, name), svg);
  const notesFile = file.replace(/\.json$/, '.notes.md');
  const md = markdown({
    results, source: repoName(file), charts: new Set(svgs.keys()),
    ...backendsBeside(file),
    ...(existsSync(notesFile) ? { notes: readFileSync(notesFile, 'utf8') } : {}),
  });
  const target = join(docsDir, 'performance.md');
  writeFileSync(target, md);
  return { markdown: target, charts: [...svgs.keys()].map((n) => join(chartDir, n)) };
}
