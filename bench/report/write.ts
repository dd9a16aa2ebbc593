/**
 * Writes docs/performance.md and docs/performance/*.svg from a results file. A
 * `<results>.notes.md` beside the results file is appended as the report's notes.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { BenchResults } from '../results.js';
import { charts } from './charts.js';
import { markdown } from './markdown.js';

export const RESULTS = join('bench', 'results');

/** The newest full run (file names start with the date); quick runs only when there is no full one. */
export function newestResults(dir: string): string | undefined {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  const full = files.filter((f) => !f.endsWith('.quick.json'));
  const pick = (full.length > 0 ? full : files).at(-1);
  return pick === undefined ? undefined : join(dir, pick);
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
  const source = relative(process.cwd(), file).split('\\').join('/');
  const md = markdown({
    results, source: source.startsWith('..') ? basename(file) : source, charts: new Set(svgs.keys()),
    ...(existsSync(notesFile) ? { notes: readFileSync(notesFile, 'utf8') } : {}),
  });
  const target = join(docsDir, 'performance.md');
  writeFileSync(target, md);
  return { markdown: target, charts: [...svgs.keys()].map((n) => join(chartDir, n)) };
}
