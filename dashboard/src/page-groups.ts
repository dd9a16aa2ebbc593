import { path } from './api.js';
import { lineChart, sparkline } from './charts.js';
import { el, errorText, fmtNumber, href, notice, replace } from './dom.js';
import { History } from './history.js';
import { pageHeader, table, type Page, type PageContext } from './page.js';
import { deadLetterTopic, isInternalTopic, type GroupInfo, type TopicInfo } from './wire.js';

/** Lag seen by every poll while the console is open. */
const lags = new History(150);
const keyOf = (g: GroupInfo): string => `${g.topic} / ${g.group}`;

/** The reset form of one group: where to move it, then a confirmation. */
function resetForm(ctx: PageContext, g: GroupInfo, done: (message: HTMLElement) => void): HTMLFormElement {
  const to = el('select', { 'aria-label': `reset ${keyOf(g)} to` },
    el('option', { value: 'latest' }, 'latest (skip everything)'), el('option', { value: 'earliest' }, 'earliest (replay everything)'),
    el('option', { value: 'position' }, 'position…'), el('option', { value: 'time' }, 'time…'));
  const value = el('input', { type: 'text', 'aria-label': 'position or time (RFC 3339)', placeholder: 'position or 2025-01-31T12:00:00Z', size: 22, hidden: true });
  to.addEventListener('change', () => { value.hidden = to.value !== 'position' && to.value !== 'time'; });
  const form = el('form', { class: 'inline-form' }, to, value, el('button', { type: 'submit' }, 'Reset'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let target: unknown = to.value;
    if (to.value === 'position') target = { position: Number(value.value) };
    if (to.value === 'time') target = { time: Date.parse(value.value) };
    if (typeof target === 'object' && !Number.isFinite(Object.values(target as object)[0])) {
      done(notice('error', `not a ${to.value}: ${value.value}`));
      return;
    }
    if (!window.confirm(`Reset ${keyOf(g)} to ${to.value === 'position' || to.value === 'time' ? value.value : to.value}? What it holds now is dropped.`)) return;
    ctx.api.json('POST', path`/v1/topics/${g.topic}/groups/${g.group}/reset`, { to: target })
      .then(() => done(notice('ok', `${keyOf(g)} was reset to ${to.value}.`)))
      .catch((error: unknown) => done(notice('error', `reset failed: ${errorText(error)}`)));
  });
  return form;
}

export const groupsPage: Page = {
  title: 'Consumer groups',
  render(ctx, root) {
    const { header, updated } = pageHeader('Consumer groups');
    const messages = el('div');
    const panel = el('div');
    const chart = el('figure', { class: 'chart' });
    const body = el('div');
    root.append(header, messages, panel, chart, body);
    // The reset form lives outside the polled table, so a poll does not close it.
    const openReset = (g: GroupInfo): void => {
      const cancel = el('button', { type: 'button', class: 'secondary' }, 'Cancel');
      cancel.addEventListener('click', () => replace(panel));
      replace(panel, el('section', { class: 'panel', 'aria-label': `Reset ${keyOf(g)}` },
        el('h2', {}, `Reset ${keyOf(g)}`),
        el('p', {}, `Cursor ${fmtNumber(g.cursor)}, ${fmtNumber(g.pending)} pending, lag ${fmtNumber(g.lag)}. A reset moves the cursor and drops what the group holds.`),
        resetForm(ctx, g, (message) => { replace(panel); replace(messages, message); void poller.now(); }), cancel));
    };
    const poller = ctx.poll(2000, async () => {
      try {
        const [{ groups }, { topics }] = await Promise.all([
          ctx.api.get<{ groups: GroupInfo[] }>('/v1/groups'), ctx.api.get<{ topics: TopicInfo[] }>('/v1/topics'),
        ]);
        const shown = groups.filter((g) => !isInternalTopic(g.topic)).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
        const depth = new Map(topics.map((t) => [t.topic, t.count]));
        const now = Date.now();
        for (const g of shown) lags.add(keyOf(g), now, g.lag);
        const series = shown.map((g) => ({ name: keyOf(g), points: lags.points(keyOf(g)) }));
        replace(chart, lineChart(series, { title: 'Lag of each consumer group over time (events not yet acknowledged)', unit: 'events' }),
          el('figcaption', { class: 'legend' }, ...series.map((s, i) => el('span', { class: `legend-item c${i % 8}` }, `${s.name}: ${fmtNumber(s.points.at(-1)?.v ?? 0)}`))));
        const rows = shown.map((g) => {
          const dead = depth.get(deadLetterTopic(g.topic, g.group)) ?? 0;
          const open = el('button', { type: 'button', class: 'secondary', 'aria-label': `Reset ${keyOf(g)}` }, 'Reset…');
          open.addEventListener('click', () => openReset(g));
          return el('tr', { 'data-group': keyOf(g) },
            el('td', {}, el('a', { href: href('events', { topic: g.topic }) }, g.topic)),
            el('th', { scope: 'row' }, g.group),
            el('td', { class: 'num' }, fmtNumber(g.cursor)),
            el('td', { class: 'num' }, fmtNumber(g.pending)),
            el('td', { class: 'num' }, fmtNumber(g.lag)),
            el('td', {}, sparkline(lags.points(keyOf(g)).map((p) => p.v), `${keyOf(g)}: lag over time, now ${g.lag}`)),
            el('td', { class: 'num' }, dead > 0 ? el('a', { href: href('dead-letters', { topic: g.topic, group: g.group }), class: 'bad' }, fmtNumber(dead)) : '0'),
            el('td', {}, open));
        });
        replace(body, table('Consumer groups', ['Topic', 'Group', 'Cursor', 'Pending', 'Lag', 'Lag trend', 'Dead letters', ''], rows, 'No consumer groups yet.'));
        updated();
      } catch (error) {
        updated(error);
      }
    });
  },
};
