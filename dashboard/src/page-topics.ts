import { sparkline } from './charts.js';
import { el, fmtMs, fmtNumber, fmtRate, href, replace } from './dom.js';
import { History } from './history.js';
import { pageHeader, table, type Page } from './page.js';
import { isInternalTopic, parseDeadLetterTopic, type Retention, type TopicInfo } from './wire.js';

/** Heads seen by every poll while the console is open: the rates and sparklines come from them. */
const heads = new History();

export function retentionText(r: Retention): string {
  const parts = [r.maxAgeMs !== undefined ? `${fmtMs(r.maxAgeMs)} max age` : '', r.maxCount !== undefined ? `${fmtNumber(r.maxCount)} events max` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'keep everything';
}

function row(t: TopicInfo): HTMLTableRowElement {
  const rates = heads.rates(t.topic);
  const now = rates[rates.length - 1] ?? 0;
  const dlq = parseDeadLetterTopic(t.topic);
  const name = el('a', { href: href('events', { topic: t.topic }) }, t.topic);
  return el('tr', { 'data-topic': t.topic },
    el('th', { scope: 'row' }, name, dlq ? el('span', { class: 'tag tag-dlq' }, 'dead letters') : null, isInternalTopic(t.topic) ? el('span', { class: 'tag' }, 'internal') : null),
    el('td', { class: 'num' }, fmtNumber(t.count)),
    el('td', { class: 'num' }, fmtNumber(t.head)),
    el('td', { class: 'num' }, t.count === 0 ? '—' : fmtNumber(t.first)),
    el('td', { class: 'num' }, fmtRate(now)),
    el('td', {}, sparkline(rates.slice(-60), `${t.topic}: append rate over the last ${rates.length} polls, now ${fmtRate(now)}`)),
    el('td', {}, retentionText(t.retention)),
  );
}

export const topicsPage: Page = {
  title: 'Topics',
  render(ctx, root) {
    const showInternal = el('input', { type: 'checkbox', id: 'show-internal' });
    showInternal.checked = ctx.params.get('internal') === '1';
    const { header, updated } = pageHeader('Topics', el('label', { class: 'inline' }, showInternal, ' show herald\'s own topics'));
    const summary = el('p', { class: 'summary' });
    const body = el('div');
    root.append(header, summary, body);
    let last: TopicInfo[] = [];
    const draw = (): void => {
      const shown = last.filter((t) => showInternal.checked || !isInternalTopic(t.topic));
      const rate = shown.reduce((sum, t) => sum + (heads.rates(t.topic).at(-1) ?? 0), 0);
      replace(summary, `${shown.length} topics · ${fmtNumber(shown.reduce((n, t) => n + t.count, 0))} events stored · ${fmtRate(rate)} appended now`);
      replace(body, table('Topics', ['Topic', 'Events', 'Head', 'First', 'Rate', 'Append rate', 'Retention'], shown.map(row), 'No topics yet.'));
    };
    showInternal.addEventListener('change', () => {
      ctx.setParams({ internal: showInternal.checked ? '1' : undefined });
      draw();
    });
    ctx.poll(2000, async () => {
      try {
        last = (await ctx.api.get<{ topics: TopicInfo[] }>('/v1/topics')).topics.sort((a, b) => a.topic.localeCompare(b.topic));
        const now = Date.now();
        for (const t of last) heads.add(t.topic, now, t.head);
        draw();
        updated();
      } catch (error) {
        updated(error);
      }
    });
  },
};
