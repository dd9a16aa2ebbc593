import { readdirSync, readFileSync } from 'node:fs';
import type { RssSummary } from './types.js';

/**
 * Samples the resident memory of a process and all its descendants from /proc (Linux only; on
 * other systems it records nothing). `node --test` runs each test file in a child, and fault
 * tests start children of their own, so the sum over the tree is what the phase costs.
 */
const PAGE = 4096;
const MAX_SAMPLES = 2_000;

interface Proc { ppid: number; rssBytes: number }

function readProcs(): Map<number, Proc> {
  const procs = new Map<number, Proc>();
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return procs; }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(name), { ppid: Number(fields[1]), rssBytes: Number(fields[21]) * PAGE });
    } catch {
      // The process ended between readdir and read.
    }
  }
  return procs;
}

/** Bytes of the tree rooted at `root`: the sum, and the largest single process. */
export function treeRss(root: number): { total: number; largest: number } | undefined {
  const procs = readProcs();
  if (!procs.has(root)) return undefined;
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  let total = 0;
  let largest = 0;
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    const rss = procs.get(pid)?.rssBytes ?? 0;
    total += rss;
    largest = Math.max(largest, rss);
    queue.push(...(children.get(pid) ?? []));
  }
  return { total, largest };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number | undefined {
  if (points.length < 3) return undefined;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) { num += (x - mx) * (y - my); den += (x - mx) ** 2; }
  return den === 0 ? undefined : num / den;
}

export class RssSampler {
  private points: [number, number][] = [];
  private peakTree = 0;
  private peakProcess = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(private readonly root: number, intervalMs = 2_000) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  stop(): RssSummary | undefined {
    clearInterval(this.timer);
    if (this.points.length === 0 || this.peakTree === 0) return undefined;
    const recent = this.points.slice(Math.floor(this.points.length / 3));
    // A slope over less than 5 minutes says more about start-up than about a leak.
    const span = (recent.at(-1)?.[0] ?? 0) - (recent[0]?.[0] ?? 0);
    const perSecond = span >= 300 ? slope(recent) : undefined;
    const summary: RssSummary = { peakTreeMb: mb(this.peakTree), peakProcessMb: mb(this.peakProcess), samples: this.points.length };
    if (perSecond !== undefined) summary.slopeMbPer10Min = round(perSecond * 600);
    return summary;
  }

  private sample(): void {
    const rss = treeRss(this.root);
    if (!rss || rss.total === 0) return;
    this.peakTree = Math.max(this.peakTree, rss.total);
    this.peakProcess = Math.max(this.peakProcess, rss.largest);
    this.points.push([(Date.now() - this.started) / 1000, rss.total / 1_048_576]);
    // Keep memory bounded on a long phase: drop every other sample once full.
    if (this.points.length > MAX_SAMPLES) this.points = this.points.filter((_, i) => i % 2 === 0);
  }
}

function mb(bytes: number): number {
  return round(bytes / 1_048_576);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
