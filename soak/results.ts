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

export function resultPath(dir: string, run: Pick<SoakRun, 'startedAt' | 'host'>): string {
  const safeHost = run.host.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dir, `${run.startedAt.slice(0, 10)}-${safeHost}.json`);
}

export function writeResult(dir: string, run: SoakRun): string {
  mkdirSync(dir, { recursive: true });
  const path = resultPath(dir, run);
  writeFileSync(path, `${JSON.stringify(run, null, 2)}\n`);
  return path;
}

/** The newest record in `dir` by its `startedAt` (file names sort by date only). */
export function newestResult(dir: string): { path: string; run: SoakRun } | undefined {
  if (!existsSync(dir)) return undefined;
  let newest: { path: string; run: SoakRun } | undefined;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const path = join(dir, name);
    const run = JSON.parse(readFileSync(path, 'utf8')) as SoakRun;
    if (run.version !== 1) continue;
    if (!newest || run.startedAt > newest.run.startedAt) newest = { path, run };
  }
  return newest;
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
