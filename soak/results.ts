import { cpus, arch, platform } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SoakRun } from './types.js';

/**
 * Where the soak's records live: soak/results/<YYYY-MM-DD>-<host>.json (committed) and the
 * generated docs/soak.md. The host is a generic label (platform, arch, cores), never a hostname
 * or a path, so committed results say what kind of machine ran them and nothing more.
 */
export function hostLabel(): string {
  return process.env.HERALD_SOAK_HOST ?? `${platform()}-${arch()}-${cpus().length}cpu`;
}

/**
 * `<date>-<host>.json`; a partial run adds its phases (`-r13-slow-consumer`), and a second run of
 * the same kind that day its start time, so no record overwrites another.
 */
export function resultPath(dir: string, run: Pick<SoakRun, 'startedAt' | 'host' | 'only'>): string {
  const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '_');
  const base = `${run.startedAt.slice(0, 10)}-${safe(run.host)}${run.only ? `-${safe(run.only.join('+'))}` : ''}`;
  const path = join(dir, `${base}.json`);
  if (!existsSync(path) || (JSON.parse(readFileSync(path, 'utf8')) as SoakRun).startedAt === run.startedAt) return path;
  return join(dir, `${base}-${run.startedAt.slice(11, 16).replace(':', '')}.json`);
}

export function writeResult(dir: string, run: SoakRun): string {
  mkdirSync(dir, { recursive: true });
  const path = resultPath(dir, run);
  writeFileSync(path, `${JSON.stringify(run, null, 2)}\n`);
  return path;
}

interface Found { path: string; run: SoakRun }

/** Every record in `dir`, oldest first by `startedAt` (file names sort by date only). */
function allResults(dir: string): Found[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => name.endsWith('.json'))
    .map((name) => ({ path: join(dir, name), run: JSON.parse(readFileSync(join(dir, name), 'utf8')) as SoakRun }))
    .filter((r) => r.run.version === 1)
    .sort((a, b) => a.run.startedAt.localeCompare(b.run.startedAt));
}

/**
 * What docs/soak.md shows: the newest run of every phase (the newest record if none is), and the
 * partial runs (`--only`) started after it, as re-runs.
 */
export function reportedResults(dir: string): { main: Found; reruns: Found[] } | undefined {
  const all = allResults(dir);
  const main = all.filter((r) => !r.run.only).at(-1) ?? all.at(-1);
  if (!main) return undefined;
  return { main, reruns: all.filter((r) => r.run.only && r.run.startedAt > main.run.startedAt) };
}

/** The repository root: the nearest directory above `from` with herald's package.json. */
export function findRepoRoot(from: string): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'herald') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no herald package.json above ${from}`);
    dir = up;
  }
}
