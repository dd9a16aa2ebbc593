import type { Point } from './charts.js';

/** Values seen by successive polls, per key, kept for the last `keep` polls. */
export class History {
  private readonly series = new Map<string, Point[]>();

  constructor(private readonly keep = 90) {}

  add(key: string, t: number, v: number): void {
    let points = this.series.get(key);
    if (!points) this.series.set(key, (points = []));
    points.push({ t, v });
    if (points.length > this.keep) points.splice(0, points.length - this.keep);
  }

  points(key: string): readonly Point[] {
    return this.series.get(key) ?? [];
  }

  /** Per-second rates between successive points (a counter that went down, e.g. after a restart, counts as 0). */
  rates(key: string): number[] {
    const points = this.points(key);
    const out: number[] = [];
    for (let i = 1; i < points.length; i++) {
      const dt = (points[i]!.t - points[i - 1]!.t) / 1000;
      out.push(dt > 0 ? Math.max(0, points[i]!.v - points[i - 1]!.v) / dt : 0);
    }
    return out;
  }
}
