/**
 * Hand-written SVG charts (no dependencies): horizontal bars with min–max whiskers, and line
 * charts on linear or log axes. Plain SVG 1.1 that GitHub and browsers render as images.
 */

export interface Bar { label: string; value: number; min?: number; max?: number; color: string }
export interface Series { label: string; color: string; points: [number, number][] }
export interface Tick { value: number; label: string }

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString());
const px = (v: number): string => v.toFixed(1);

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Horizontal bars, one per row, the value written at the end of each bar. */
export function barChart(title: string, unit: string, bars: readonly Bar[]): string {
  const width = 720;
  const left = 150;
  const right = 110;
  const row = 26;
  const top = 36;
  const height = top + bars.length * row + 30;
  const top1 = Math.max(1e-9, ...bars.map((b) => Math.max(b.value, b.max ?? 0)).filter(Number.isFinite));
  const x = (v: number): number => left + (Math.max(0, v) / top1) * (width - left - right);
  const body: string[] = [];
  bars.forEach((b, i) => {
    const y = top + i * row;
    body.push(`<text x="${left - 8}" y="${y + 16}" text-anchor="end">${escapeXml(b.label)}</text>`);
    if (!Number.isFinite(b.value)) { body.push(`<text x="${left + 4}" y="${y + 16}" fill="#666">not measured</text>`); return; }
    body.push(`<rect x="${left}" y="${y + 4}" width="${px(x(b.value) - left)}" height="${row - 8}" fill="${b.color}"/>`);
    if (b.min !== undefined && b.max !== undefined && b.max > b.min) {
      const mid = y + row / 2;
      body.push(`<path d="M${px(x(b.min))} ${mid}H${px(x(b.max))}M${px(x(b.min))} ${mid - 5}V${mid + 5}M${px(x(b.max))} ${mid - 5}V${mid + 5}" stroke="#222" stroke-width="1.2" fill="none"/>`);
    }
    body.push(`<text x="${px(x(Math.max(b.value, b.max ?? 0)) + 6)}" y="${y + 16}">${escapeXml(fmt(b.value))}</text>`);
  });
  body.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + bars.length * row}" stroke="#444"/>`);
  body.push(`<text x="${left}" y="${height - 8}" fill="#555">${escapeXml(`${unit} — median of the repetitions, whisker: min–max`)}</text>`);
  return frame(width, height, title, body);
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xTicks: readonly Tick[];
  /** Log-scale y axis (latencies spanning decades). */
  yLog?: boolean;
  series: readonly Series[];
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
}

/** Lines with markers; x ticks given, y ticks derived (decades on a log axis). */
export function lineChart(o: LineChartOptions): string {
  const width = 720;
  const height = 400;
  const m = { left: 70, right: 150, top: 36, bottom: 48 };
  const points = o.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!o.yLog || y > 0));
  const xs = [...o.xTicks.map((t) => t.value), ...points.map(([v]) => v)];
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const ys = points.map(([, v]) => v);
  const tr = (v: number): number => (o.yLog ? Math.log10(v) : v);
  let [y0, y1] = ys.length ? [Math.min(...ys.map(tr)), Math.max(...ys.map(tr))] : [0, 1];
  const step = niceStep(y1 / 5);
  if (o.yLog) { y0 = Math.floor(y0); y1 = Math.ceil(y1); } else { y0 = 0; y1 = y1 > 0 ? Math.ceil((y1 * 1.05) / step) * step : 1; }
  if (y1 === y0) y1 = y0 + 1;
  const X = (v: number): number => m.left + ((v - x0) / (x1 - x0 || 1)) * (width - m.left - m.right);
  const Y = (v: number): number => height - m.bottom - ((tr(v) - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  const body: string[] = [];
  const yTicks: number[] = [];
  if (o.yLog) for (let e = y0; e <= y1; e++) yTicks.push(10 ** e);
  else for (let t = 0; t <= y1 + step / 2; t += step) yTicks.push(t);
  for (const t of yTicks) {
    body.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${px(Y(t))}" y2="${px(Y(t))}" stroke="#e3e3e3"/>`);
    body.push(`<text x="${m.left - 6}" y="${px(Y(t) + 4)}" text-anchor="end">${escapeXml(fmt(t))}</text>`);
  }
  for (const t of o.xTicks) {
    body.push(`<line x1="${px(X(t.value))}" x2="${px(X(t.value))}" y1="${m.top}" y2="${height - m.bottom}" stroke="#eeeeee"/>`);
    body.push(`<text x="${px(X(t.value))}" y="${height - m.bottom + 16}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  body.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 10}" text-anchor="middle" fill="#333">${escapeXml(o.xLabel)}</text>`);
  body.push(`<text x="16" y="${height / 2}" text-anchor="middle" fill="#333" transform="rotate(-90 16 ${height / 2})">${escapeXml(o.yLabel)}</text>`);
  o.series.forEach((s, i) => {
    const pts = s.points.filter(([, y]) => Number.isFinite(y) && (!o.yLog || y > 0));
    if (pts.length > 0) {
      body.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map(([a, b]) => `${px(X(a))},${px(Y(b))}`).join(' ')}"/>`);
      for (const [a, b] of pts.length <= 20 ? pts : []) body.push(`<circle cx="${px(X(a))}" cy="${px(Y(b))}" r="2.5" fill="${s.color}"/>`);
    }
    const ly = m.top + 8 + i * 18;
    body.push(`<rect x="${width - m.right + 12}" y="${ly - 8}" width="12" height="12" fill="${s.color}"/>`);
    body.push(`<text x="${width - m.right + 30}" y="${ly + 2}">${escapeXml(s.label)}</text>`);
  });
  return frame(width, height, o.title, body);
}
