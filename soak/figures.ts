import type { Figures } from './types.js';

/**
 * Best-effort key figures from a phase's diagnostic lines. Tests print their figures in prose
 * ("crash test: 30 kills, 7812 events stored …", "0 lost, 0 duplicates", "slope 0.2 MB/min"),
 * so these are patterns, not a protocol: a figure the patterns miss is simply absent (the
 * report then shows the test's own lines). When several lines match, the largest count wins
 * for totals (kills, inputs, events) and for anomalies (lost, duplicates), so a non-zero
 * anomaly is never hidden behind a zero.
 */
const NUM = String.raw`(\d[\d,_]*(?:\.\d+)?)`;
const COUNTS: Record<'kills' | 'inputs' | 'events' | 'lost' | 'duplicates', RegExp[]> = {
  kills: [new RegExp(`${NUM}\\s+(?:SIGKILLs?|kills|kill cycles)\\b`, 'gi'), /\bkills?[:=]\s*(\d[\d,_]*)/gi],
  inputs: [new RegExp(`${NUM}\\s+(?:[\\w-]+\\s+)?(?:inputs|requests)\\b`, 'gi'), /\binputs[:=]\s*(\d[\d,_]*)/gi],
  // history.ts's describeResult prints its counts as JSON: {"lost":0,"duplicate":0,…,"acked":20000,…}.
  events: [new RegExp(`${NUM}\\s+(?:events|acked appends|acknowledged)\\b`, 'gi'), /"acked":\s*(\d+)/g],
  lost: [new RegExp(`${NUM}\\s+(?:acked\\s+|acknowledged\\s+)?(?:events?\\s+)?lost\\b`, 'gi'), /\blost[:=]\s*(\d[\d,_]*)/gi, /"lost":\s*(\d+)/g],
  duplicates: [new RegExp(`${NUM}\\s+duplicates?\\b`, 'gi'), /\bduplicates?[:=]\s*(\d[\d,_]*)/gi, /"duplicate":\s*(\d+)/g],
};
const SLOPE = /slope[^\d+-]{0,40}([+-]?\d+(?:\.\d+)?)\s*(B|bytes|KB|KiB|kB|MB|MiB)\s*(?:\/|per)\s*(10\s*min|min(?:ute)?|h(?:our)?|s(?:ec(?:ond)?)?)\b/i;
const PEAK = /peak(?:\s+RSS)?[^\d]{0,20}(\d+(?:\.\d+)?)\s*(MB|MiB)/i;

export function parseFigures(lines: readonly string[]): Figures {
  const figures: Figures = {};
  for (const [key, patterns] of Object.entries(COUNTS) as [keyof typeof COUNTS, RegExp[]][]) {
    for (const line of lines) {
      for (const pattern of patterns) {
        for (const m of line.matchAll(pattern)) {
          const n = toNumber(m[1]!);
          if (Number.isFinite(n)) figures[key] = Math.max(figures[key] ?? 0, n);
        }
      }
    }
  }
  for (const line of lines) {
    const slope = SLOPE.exec(line);
    if (slope) {
      const perTen = slopePer10MinMb(Number(slope[1]), slope[2]!, slope[3]!);
      // The worst (largest) slope printed is the one that decides.
      figures.rssSlopeMbPer10Min = Math.max(figures.rssSlopeMbPer10Min ?? -Infinity, perTen);
    }
    const peak = PEAK.exec(line);
    if (peak) figures.peakRssMb = Math.max(figures.peakRssMb ?? 0, Number(peak[1]));
  }
  return figures;
}

function toNumber(text: string): number {
  return Number(text.replace(/[,_]/g, ''));
}

/** Converts "x <unit> per <period>" into MB per 10 minutes (MB and MiB treated alike). */
export function slopePer10MinMb(value: number, unit: string, period: string): number {
  const u = unit.toLowerCase();
  const mb = u === 'b' || u === 'bytes' ? value / 1_048_576 : u.startsWith('k') ? value / 1024 : value;
  const p = period.toLowerCase().replace(/\s+/g, '');
  const perMinute = p.startsWith('10') ? mb / 10 : p.startsWith('h') ? mb / 60 : p.startsWith('s') ? mb * 60 : mb;
  return perMinute * 10;
}
