import { svg } from './dom.js';

/** Hand-made SVG charts: a sparkline for a table cell and a line chart with axes and a legend. */
export interface Point { t: number; v: number }
export interface Series { name: string; points: readonly Point[] }

export const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

const fixed = (n: number): string => (Math.round(n * 10) / 10).toString();

function pathOf(points: readonly Point[], x: (t: number) => number, y: (v: number) => number): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${fixed(x(p.t))},${fixed(y(p.v))}`).join(' ');
}

function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

/** A small trend line; `label` describes it for screen readers. */
export function sparkline(values: readonly number[], label: string, width = 120, height = 28): SVGSVGElement {
  const chart = svg('svg', { class: 'sparkline', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
  if (values.length < 2) {
    chart.appendChild(svg('line', { x1: 0, x2: width, y1: height - 2, y2: height - 2, class: 'spark-empty' }));
    return chart;
  }
  const [, hi] = extent(values);
  const top = Math.max(hi, 1e-9);
  const x = (i: number): number => (i / (values.length - 1)) * (width - 2) + 1;
  const y = (v: number): number => height - 2 - (v / top) * (height - 4);
  const points = values.map((v, i) => ({ t: i, v }));
  const line = pathOf(points, x, y);
  chart.appendChild(svg('path', { d: `${line} L${fixed(x(values.length - 1))},${height} L1,${height} Z`, class: 'spark-area' }));
  chart.appendChild(svg('path', { d: line, class: 'spark-line' }));
  return chart;
}

/** Round tick steps (1, 2, 5 × 10^n) covering 0..max in about `count` ticks. */
export function ticks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step / 2; v += step) out.push(Math.round(v * 1e6) / 1e6);
  if (out[out.length - 1]! < max) out.push(out[out.length - 1]! + step);
  return out;
}

const clock = (ms: number): string => new Date(ms).toTimeString().slice(0, 8);

/** Several series over time, one colour each, with a y axis from 0 and the time on x. */
export function lineChart(series: readonly Series[], options: { title: string; unit: string; width?: number; height?: number }): SVGSVGElement {
  const width = options.width ?? 1180;
  const height = options.height ?? 220;
  const pad = { left: 52, right: 12, top: 24, bottom: 26 };
  const chart = svg('svg', { class: 'line-chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': options.title });
  chart.appendChild(svg('title', {}, options.title));
  const all = series.flatMap((s) => s.points);
  const [t0, t1] = extent(all.map((p) => p.t));
  const yTicks = ticks(extent(all.map((p) => p.v))[1]);
  const yMax = yTicks[yTicks.length - 1]!;
  const x = (t: number): number => pad.left + (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right));
  const y = (v: number): number => height - pad.bottom - (v / yMax) * (height - pad.top - pad.bottom);
  for (const v of yTicks) {
    chart.appendChild(svg('line', { x1: pad.left, x2: width - pad.right, y1: fixed(y(v)), y2: fixed(y(v)), class: 'grid' }));
    chart.appendChild(svg('text', { x: pad.left - 6, y: fixed(y(v) + 4), class: 'axis-label', 'text-anchor': 'end' }, String(v)));
  }
  if (all.length > 0) {
    chart.appendChild(svg('text', { x: pad.left, y: height - 6, class: 'axis-label' }, clock(t0)));
    chart.appendChild(svg('text', { x: width - pad.right, y: height - 6, class: 'axis-label', 'text-anchor': 'end' }, clock(t1)));
  }
  chart.appendChild(svg('text', { x: 4, y: 12, class: 'axis-label' }, options.unit));
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const colour = PALETTE[i % PALETTE.length]!;
    chart.appendChild(svg('path', { d: pathOf(s.points, x, y), class: 'series', stroke: colour }, svg('title', {}, s.name)));
    const last = s.points[s.points.length - 1]!;
    chart.appendChild(svg('circle', { cx: fixed(x(last.t)), cy: fixed(y(last.v)), r: 3, fill: colour }));
  });
  return chart;
}
