import { fmtMs, svg } from './dom.js';
import { timeline, type TimelineRow } from './timeline.js';
import type { Flow, FlowHandling, FlowNode } from './wire.js';

/** The causal tree of a flow as an SVG graph (causes left, effects right) and a waterfall of its timings. */
const W = 250;
const GAP_X = 46;
const GAP_Y = 14;
const LINE = 17;

export const outcomeClass = (outcome: string): string =>
  outcome === 'ok' ? 'ok' : outcome === 'dead-lettered' ? 'bad' : 'warn';
export const outcomeMark = (outcome: string): string => (outcome === 'ok' ? '✓' : outcome === 'dead-lettered' ? '✗' : '…');

export function handlingText(h: FlowHandling): string {
  const total = h.attempts.reduce((sum, a) => sum + a.durationMs, 0);
  const tries = h.attempts.length === 1 ? '1 attempt' : `${h.attempts.length} attempts`;
  return `${outcomeMark(h.outcome)} ${h.group} ${h.outcome} · ${tries}${h.attempts.length > 0 ? ` · ${fmtMs(total)}` : ''}`;
}

export function walk(roots: readonly FlowNode[], visit: (n: FlowNode, depth: number, parent?: FlowNode) => void): void {
  const go = (n: FlowNode, depth: number, parent?: FlowNode): void => { visit(n, depth, parent); for (const c of n.children) go(c, depth + 1, n); };
  for (const r of roots) go(r, 0);
}

const boxHeight = (n: FlowNode): number => 44 + LINE * n.handlings.length;
const nodeClass = (n: FlowNode): string =>
  n.handlings.some((h) => h.outcome === 'dead-lettered') ? 'bad' : n.handlings.some((h) => h.outcome !== 'ok') ? 'warn' : 'ok';
const clip = (text: string, max = 34): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function flowGraph(flow: Flow, onSelect: (n: FlowNode) => void): SVGSVGElement {
  const placed = new Map<FlowNode, { x: number; y: number; h: number }>();
  let maxDepth = 0;
  /** Lays out a subtree whose top is at `top`; returns its height. */
  const layout = (n: FlowNode, depth: number, top: number): number => {
    maxDepth = Math.max(maxDepth, depth);
    const h = boxHeight(n);
    placed.set(n, { x: depth * (W + GAP_X), y: top, h });
    let below = top;
    for (const c of n.children) below += layout(c, depth + 1, below) + GAP_Y;
    return Math.max(h, below - top - (n.children.length > 0 ? GAP_Y : 0));
  };
  let height = 0;
  for (const r of flow.roots) height += layout(r, 0, height) + GAP_Y;
  const width = (maxDepth + 1) * (W + GAP_X) - GAP_X + 2;
  const graph = svg('svg', { class: 'flow-graph', width, height: Math.max(height, 40), viewBox: `-1 -1 ${width + 2} ${Math.max(height, 40) + 2}`, role: 'group', 'aria-label': `causal graph of flow ${flow.correlationId}` });
  walk(flow.roots, (n, _depth, parent) => {
    if (!parent) return;
    const from = placed.get(parent)!;
    const to = placed.get(n)!;
    const x1 = from.x + W;
    const y1 = from.y + 22;
    const x2 = to.x;
    const y2 = to.y + 22;
    graph.appendChild(svg('path', { class: 'edge', d: `M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}` }));
    graph.appendChild(svg('text', { class: 'edge-label', x: x2 - 4, y: y2 - 5, 'text-anchor': 'end' }, `+${fmtMs(n.appendedAt - parent.appendedAt)}`));
  });
  walk(flow.roots, (n) => {
    const { x, y, h } = placed.get(n)!;
    const label = `${n.event.type} at ${n.topic}#${n.position}, ${fmtMs(n.offsetMs)} into the flow; ${n.handlings.map(handlingText).join('; ') || 'no handler recorded'}`;
    const box = svg('g', { class: `flow-node node-${nodeClass(n)}`, transform: `translate(${x},${y})`, tabindex: 0, role: 'button', 'aria-label': label, 'data-event-id': n.event.id },
      svg('title', {}, label),
      svg('rect', { width: W, height: h, rx: 6 }),
      svg('text', { x: 10, y: 18, class: 'node-type' }, clip(n.event.type)),
      svg('text', { x: 10, y: 35, class: 'node-meta' }, clip(`${n.topic}#${n.position} · +${fmtMs(n.offsetMs)}`, 40)));
    n.handlings.forEach((hd, i) => {
      const total = hd.attempts.reduce((sum, a) => sum + a.durationMs, 0);
      const cls = `node-handling outcome-${outcomeClass(hd.outcome)}`;
      box.appendChild(svg('text', { x: 10, y: 52 + i * LINE, class: cls }, clip(`${outcomeMark(hd.outcome)} ${hd.group} ${hd.outcome}`, 30)));
      if (hd.attempts.length > 0) {
        box.appendChild(svg('text', { x: W - 10, y: 52 + i * LINE, class: cls, 'text-anchor': 'end' }, `${hd.attempts.length > 1 ? `×${hd.attempts.length} ` : ''}${fmtMs(total)}`));
      }
    });
    box.addEventListener('click', () => onSelect(n));
    box.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(n); } });
    graph.appendChild(box);
  });
  return graph;
}

/** When each event was appended and how long each handler attempt took, on one time axis. */
export function waterfall(flow: Flow): HTMLElement {
  const start = flow.startedAt ?? 0;
  const rows: TimelineRow[] = [];
  walk(flow.roots, (n, depth) => rows.push({
    label: `${'  '.repeat(depth)}${n.event.type}`,
    marks: [{ at: n.offsetMs, title: `appended +${fmtMs(n.offsetMs)}` }],
    bars: n.handlings.flatMap((h) => h.attempts.map((a) => ({
      start: a.startedAt - start, ms: a.durationMs, cls: `outcome-${outcomeClass(a.outcome)}`,
      title: `${h.group} attempt ${a.attempt}: ${a.outcome}, ${fmtMs(a.durationMs)}${a.error ? ` (${a.error.message})` : ''}`,
    }))),
  }));
  return timeline(rows, {
    spanMs: flow.durationMs,
    label: `timings of flow ${flow.correlationId}: ${fmtMs(flow.durationMs)} from the first event to the last handler`,
    caption: 'Marks: when each event was appended. Bars: handler attempts (green ok, amber retried, red dead-lettered).',
  });
}
