import { el, fmtMs, svg } from './dom.js';

/** A waterfall: one row per item, marks (instants) and bars (durations) on one time axis from 0 to `spanMs`. */
export interface TimelineMark { at: number; title: string }
export interface TimelineBar { start: number; ms: number; cls: string; title: string }
export interface TimelineRow { label: string; marks?: TimelineMark[]; bars: TimelineBar[] }

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function timeline(rows: readonly TimelineRow[], options: { spanMs: number; label: string; caption: string; width?: number }): HTMLElement {
  const span = Math.max(options.spanMs, 1);
  const labelW = 220;
  const width = options.width ?? 1180;
  const row = 22;
  const height = rows.length * row + 24;
  const x = (ms: number): number => labelW + (Math.min(Math.max(0, ms), span) / span) * (width - labelW - 10);
  const chart = svg('svg', { class: 'waterfall', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': options.label });
  rows.forEach(({ label, marks = [], bars }, i) => {
    const y = i * row;
    chart.appendChild(svg('text', { x: 0, y: y + 15, class: 'wf-label' }, clip(label, 30)));
    for (const m of marks) chart.appendChild(svg('rect', { x: x(m.at) - 3, y: y + 5, width: 6, height: 12, class: 'wf-append' }, svg('title', {}, m.title)));
    for (const b of bars) {
      chart.appendChild(svg('rect', { x: x(b.start), y: y + 8, width: Math.max(2, x(b.start + b.ms) - x(b.start)), height: 7, class: `wf-attempt ${b.cls}` },
        svg('title', {}, b.title)));
    }
  });
  const axisY = rows.length * row + 16;
  chart.appendChild(svg('text', { x: labelW, y: axisY, class: 'axis-label' }, '0'));
  chart.appendChild(svg('text', { x: width - 10, y: axisY, class: 'axis-label', 'text-anchor': 'end' }, fmtMs(options.spanMs)));
  return el('figure', { class: 'chart' }, chart, el('figcaption', {}, options.caption));
}
