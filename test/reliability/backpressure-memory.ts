/**
 * R13's memory yardstick, shared by the backlog test and the stream tests: RSS samples, the
 * least-squares slope over the last two thirds of them (the first third is warm-up: JIT code,
 * caches and pools filling), and the verdict "bounded and flat" the row asks for.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Sample { atMs: number; rssBytes: number }

export const MB = 1024 * 1024;

/** VmRSS of any process (Linux): what the kernel charges it, whatever the runtime thinks. */
export function rssOf(pid: number): number {
  return rssParts(pid).rss;
}

/** VmRSS and its parts: anonymous (heaps), file-backed (mapped files) and shared memory (e.g. SQLite's -shm index), in bytes. */
export function rssParts(pid: number): { rss: number; anon: number; file: number; shmem: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const rss = kb('VmRSS');
  if (Number.isNaN(rss)) throw new Error(`no VmRSS for process ${pid}`);
  return { rss, anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
}

/** Least-squares slope in bytes per minute. */
export function slopePerMinute(samples: readonly Sample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((s, p) => s + p.atMs, 0) / n;
  const my = samples.reduce((s, p) => s + p.rssBytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.atMs - mx) * (p.rssBytes - my);
    den += (p.atMs - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60_000;
}

export interface MemoryVerdict {
  baseline: number;
  peak: number;
  /** Slope over the last two thirds of the samples, bytes per minute. */
  slope: number;
  samples: number;
  /** Why the memory is not bounded and flat; empty when it is. */
  problems: string[];
}

/**
 * RSS ≤ baseline + `headroom` at every sample, and the last two thirds flat: their fitted slope
 * under `maxSlope` per minute, or, when it is not (a dip and its recovery within a short run
 * swing the fit by MB/min), no late sample above the highest of the first third + `maxSlope`.
 * A real leak fails both: it keeps making new highs.
 */
export function judgeMemory(baseline: number, samples: readonly Sample[], headroom = 50 * MB, maxSlope = 1 * MB): MemoryVerdict {
  const high = (from: number, list: readonly Sample[]): number => list.reduce((max, s) => Math.max(max, s.rssBytes), from);
  const peak = high(baseline, samples);
  const cut = Math.floor(samples.length / 3);
  const late = samples.slice(cut);
  const slope = slopePerMinute(late);
  const earlyHigh = high(baseline, samples.slice(0, cut));
  const lateHigh = high(0, late);
  const problems: string[] = [];
  const over = samples.filter((s) => s.rssBytes > baseline + headroom);
  if (over.length > 0) problems.push(`${over.length} samples over baseline + ${fmt(headroom)} (first at ${over[0]!.atMs} ms: ${fmt(over[0]!.rssBytes)})`);
  if (slope >= maxSlope && lateHigh > earlyHigh + maxSlope) {
    problems.push(`RSS still growing: ${fmt(slope)}/min over the last ${late.length} samples, up to ${fmt(lateHigh)} (first third's high ${fmt(earlyHigh)})`);
  }
  return { baseline, peak, slope, samples: samples.length, problems };
}

export const fmt = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

export function describeMemory(v: MemoryVerdict): string {
  return `baseline ${fmt(v.baseline)}, peak ${fmt(v.peak)} (+${fmt(v.peak - v.baseline)}), late slope ${fmt(v.slope)}/min over ${v.samples} samples`;
}

let collect: (() => void) | undefined;

/**
 * A full garbage collection in this process (without --expose-gc on the command line), so that
 * samples taken in the test process measure what is retained, not garbage not yet collected.
 */
export function fullGc(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
