/** Number formatting shared by the terminal summary and the markdown report. */

/** 123456 → "123,456"; 0.4567 → "0.457"; 12.34 → "12.3"; NaN → "—". */
export function num(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v).toLocaleString('en-US');
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

/** A ratio: 3.14 → "3.1×", 0.52 → "0.52×". */
export function times(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v > 0 && v < 0.01) return '<0.01×';
  return `${v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2)}×`;
}

/** Median with its spread: "123,456 (120,001–125,000)"; only the median for one repetition. */
export function withSpread(s: { median: number; min: number; max: number; n: number }): string {
  return s.n > 1 ? `${num(s.median)} (${num(s.min)}–${num(s.max)})` : num(s.median);
}

/** Plain aligned columns for a terminal. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}
