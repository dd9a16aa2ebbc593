import { path } from './api.js';
import { el, errorText, fmtMs, fmtTime, href, notice, replace } from './dom.js';
import { eventDetails } from './event-details.js';
import { flowGraph, outcomeClass, outcomeMark, walk, waterfall } from './lineage-graph.js';
import { pageHeader, table, type Page } from './page.js';
import type { Flow, FlowNode } from './wire.js';

function outcomesTable(flow: Flow): HTMLElement {
  const rows: HTMLTableRowElement[] = [];
  let named = false;
  walk(flow.roots, (n) => { named ||= n.handlings.some((h) => h.handler !== undefined && h.handler !== h.group); });
  walk(flow.roots, (n) => {
    for (const h of n.handlings) {
      const total = h.attempts.reduce((sum, a) => sum + a.durationMs, 0);
      const lastError = h.deadLetter?.error.message ?? h.attempts.findLast((a) => a.error)?.error?.message ?? '';
      const dead = h.deadLetter
        ? el('a', { href: href('dead-letters', { topic: n.topic, group: h.group, position: h.deadLetter.position }) }, `dead letter #${h.deadLetter.position}`)
        : '';
      rows.push(el('tr', { 'data-event-id': n.event.id, 'data-group': h.group, 'data-outcome': h.outcome },
        el('td', {}, n.event.type), el('td', {}, `${n.topic}#${n.position}`), el('th', { scope: 'row' }, h.group),
        named ? el('td', {}, h.handler ?? '') : null,
        el('td', { class: `outcome-${outcomeClass(h.outcome)}` }, `${outcomeMark(h.outcome)} ${h.outcome}`),
        el('td', { class: 'num' }, h.attempts.length), el('td', { class: 'num' }, h.attempts.length > 0 ? fmtMs(total) : ''),
        el('td', {}, lastError), el('td', {}, dead)));
    }
  });
  const headings = ['Event', 'Stored at', 'Group', ...(named ? ['Handler'] : []), 'Outcome', 'Attempts', 'Time', 'Error', ''];
  return table('Handler outcomes', headings, rows,
    'No handler outcome recorded for this flow (a Herald records them with observability: { outcomes: true }).');
}

export const lineagePage: Page = {
  title: 'Lineage',
  render(ctx, root) {
    const id = ctx.params.get('id') ?? '';
    const input = el('input', { type: 'text', id: 'flow-id', size: 44, autocomplete: 'off', spellcheck: false, placeholder: 'correlation id or the id of the first event' });
    input.value = id;
    const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Find a flow' },
      el('div', { class: 'field' }, el('label', { for: 'flow-id' }, 'Correlation id'), input),
      el('div', { class: 'field field-button' }, el('button', { type: 'submit' }, 'Show flow')));
    form.addEventListener('submit', (e) => { e.preventDefault(); ctx.go({ id: input.value.trim() || undefined }); });
    const { header, updated } = pageHeader(id ? `Flow ${id}` : 'Lineage');
    const summary = el('div');
    const graph = el('div', { class: 'graph-scroll' });
    const timings = el('div');
    const outcomes = el('div');
    const detail = el('div');
    root.append(header, form, summary, graph, detail, el('h2', {}, 'Handler outcomes'), outcomes, el('h2', {}, 'Timings'), timings);
    if (!id) {
      replace(summary, el('p', { class: 'empty' }, 'Enter the correlation id of a flow (for an order, the id of its order.placed event) to see every event and what each handler did.'));
      return;
    }
    let selectedId: string | undefined;
    const select = (n: FlowNode): void => {
      selectedId = n.event.id;
      replace(detail, el('section', { class: 'panel', 'aria-label': `event ${n.event.id}` },
        el('h2', {}, `${n.event.type} at ${n.topic}#${n.position}`), eventDetails(n.event, n)));
    };
    let shown = '';
    ctx.poll(3000, async () => {
      try {
        const flow = await ctx.api.get<Flow>(path`/v1/lineage/${id}`);
        const fingerprint = JSON.stringify(flow);
        updated();
        if (fingerprint === shown) return; // nothing new: keep the page still (focus, selection)
        shown = fingerprint;
        if (flow.events === 0) {
          replace(summary, notice('info', `No event of flow ${id} was found in the topics this key may read.`));
          return;
        }
        const bad = [] as string[];
        walk(flow.roots, (n) => { for (const h of n.handlings) if (h.outcome !== 'ok') bad.push(`${h.group} on ${n.event.type}: ${h.outcome}`); });
        replace(summary, el('ul', { class: 'cards', 'aria-label': 'flow summary' },
          el('li', {}, el('strong', {}, String(flow.events)), ' events'),
          el('li', {}, el('strong', {}, fmtMs(flow.durationMs)), ' from first event to last handler'),
          el('li', {}, el('strong', {}, String(flow.attempts)), ' handler attempts'),
          el('li', {}, 'started ', el('strong', {}, flow.startedAt ? fmtTime(flow.startedAt) : '—')),
          el('li', { class: bad.length > 0 ? 'card-bad' : 'card-ok' }, el('strong', {}, bad.length > 0 ? `${bad.length} not ok` : 'all ok'), bad.length > 0 ? `: ${bad.join('; ')}` : '')),
        flow.truncated ? notice('info', 'The flow has more events than were read; it is shown truncated.') : null);
        replace(graph, flowGraph(flow, select));
        replace(outcomes, outcomesTable(flow));
        replace(timings, waterfall(flow));
        if (selectedId) walk(flow.roots, (n) => { if (n.event.id === selectedId) select(n); });
      } catch (error) {
        updated(error);
        replace(summary, notice('error', `cannot load flow ${id}: ${errorText(error)}`));
      }
    });
  },
};
