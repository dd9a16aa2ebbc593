import { path } from './api.js';
import { el, errorText, fmtTime, href, notice, replace } from './dom.js';
import { correlationOf, eventDetails } from './event-details.js';
import { filterFromParams, matches, readQuery, type EventFilter } from './event-filter.js';
import { pageHeader, type Page, type PageContext } from './page.js';
import { followTopic } from './sse.js';
import type { ReadPage, StoredEvent, TopicInfo } from './wire.js';

const PAGE = 500;
/** Stop a search after reading this many events without finding enough. */
const SCAN_LIMIT = 20_000;
const SHOWN = 200;

const localInput = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19));

function field(id: string, label: string, input: HTMLInputElement): HTMLElement {
  input.id = id;
  return el('div', { class: 'field' }, el('label', { for: id }, label), input);
}

function filterForm(ctx: PageContext, filter: EventFilter, topics: HTMLDataListElement): HTMLFormElement {
  const input = (value: string, props: Record<string, string> = {}): HTMLInputElement => {
    const i = el('input', { type: 'text', ...props });
    i.value = value;
    return i;
  };
  const topic = input(filter.topic, { list: 'topic-names', required: 'true', autocomplete: 'off' });
  const type = input(filter.types.join(', '), { placeholder: 'order.placed, order.cancelled' });
  const subject = input(filter.subject ?? '');
  const correlation = input(filter.correlation ?? '');
  const from = input(localInput(filter.from), { type: 'datetime-local', step: '1' });
  const to = input(localInput(filter.to), { type: 'datetime-local', step: '1' });
  const form = el('form', { class: 'filters', 'aria-label': 'Event filters' },
    field('f-topic', 'Topic', topic), topics, field('f-type', 'Types', type), field('f-subject', 'Subject', subject),
    field('f-correlation', 'Correlation id', correlation), field('f-from', 'From (local time)', from), field('f-to', 'To (local time)', to),
    el('div', { class: 'field field-button' }, el('button', { type: 'submit' }, 'Search')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const iso = (v: string): string | undefined => (v ? new Date(v).toISOString() : undefined);
    ctx.go({ topic: topic.value.trim(), type: type.value.trim() || undefined, subject: subject.value.trim() || undefined,
      correlation: correlation.value.trim() || undefined, from: iso(from.value), to: iso(to.value) });
  });
  return form;
}

function eventRow(stored: StoredEvent, select: (s: StoredEvent) => void, live = false): HTMLTableRowElement {
  const e = stored.event;
  const open = el('button', { type: 'button', class: 'link', 'aria-label': `Show event ${stored.position}` }, String(stored.position));
  open.addEventListener('click', () => select(stored));
  return el('tr', { class: live ? 'live-row' : '', 'data-position': stored.position },
    el('td', { class: 'num' }, open), el('td', {}, fmtTime(stored.appendedAt)), el('th', { scope: 'row' }, e.type), el('td', {}, e.subject ?? ''),
    el('td', { class: 'mono' }, e.id), el('td', { class: 'mono' }, el('a', { href: href('lineage', { id: correlationOf(e) }) }, correlationOf(e))));
}

export const eventsPage: Page = {
  title: 'Events',
  render(ctx, root) {
    const filter = filterFromParams(ctx.params);
    const topics = el('datalist', { id: 'topic-names' });
    const follow = el('input', { type: 'checkbox', id: 'follow-live' });
    const liveState = el('span', { class: 'live-state', role: 'status' });
    const { header } = pageHeader(filter.topic ? `Events of ${filter.topic}` : 'Events',
      el('label', { class: 'inline' }, follow, ' follow live'), liveState);
    const results = el('div');
    const more = el('div');
    const detail = el('div');
    root.append(header, filterForm(ctx, filter, topics), results, more, detail);
    ctx.api.get<{ topics: TopicInfo[] }>('/v1/topics')
      .then(({ topics: list }) => replace(topics, ...list.map((t) => el('option', { value: t.topic }))))
      .catch(() => undefined); // a key without admin:> still browses the topics it names

    const found: StoredEvent[] = [];
    const liveRows = new WeakSet<StoredEvent>();
    let next: number | null | undefined;
    const select = (stored: StoredEvent): void => {
      replace(detail, el('section', { class: 'panel', 'aria-label': `event ${stored.position}` },
        el('h2', {}, `${stored.event.type} at ${stored.topic}#${stored.position}`), eventDetails(stored.event, stored)));
    };
    const tbody = el('tbody');
    const draw = (): void => {
      if (found.length === 0) return replace(results, el('p', { class: 'empty' }, next === null ? 'No event matches.' : 'Searching…'));
      replace(tbody, ...found.slice(-SHOWN).map((s) => eventRow(s, select, liveRows.has(s))));
      const headings = ['Position', 'Appended (UTC)', 'Type', 'Subject', 'Id', 'Flow'];
      replace(results, el('table', {}, el('caption', { class: 'visually-hidden' }, 'Events found'),
        el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))), tbody));
    };

    const search = async (): Promise<void> => {
      let scanned = 0;
      let added = 0;
      replace(more);
      try {
        while (next !== null && added < 100 && scanned < SCAN_LIMIT && !ctx.signal.aborted) {
          const page = await ctx.api.get<ReadPage>(`${path`/v1/topics/${filter.topic}/events`}?${readQuery(filter, next, PAGE)}`);
          scanned += page.events.length;
          for (const stored of page.events) {
            if (filter.to !== undefined && stored.appendedAt > filter.to) { next = null; break; }
            if (matches(filter, stored)) { found.push(stored); added++; }
          }
          if (next !== null) next = page.next;
        }
        draw();
        if (next !== null && next !== undefined) {
          const button = el('button', { type: 'button', class: 'secondary' }, 'Load more');
          button.addEventListener('click', () => void search());
          replace(more, el('p', {}, `${found.length} shown; ${scanned} events read in this step.`), button);
        }
      } catch (error) {
        replace(results, notice('error', `cannot read ${filter.topic}: ${errorText(error)}`));
      }
    };

    let live: AbortController | undefined;
    follow.addEventListener('change', () => {
      live?.abort();
      live = undefined;
      replace(liveState);
      if (!follow.checked || !filter.topic) return;
      live = new AbortController();
      const signal = AbortSignal.any([live.signal, ctx.signal]);
      void followTopic(ctx.api, filter.topic, 'latest', (stored) => {
        if (!matches(filter, stored)) return;
        found.push(stored);
        liveRows.add(stored);
        draw();
      }, (state, detail) => replace(liveState, state === 'live' ? '● live' : `${state}${detail ? `: ${detail}` : ''}`), signal);
    });

    if (filter.topic) void search();
    else replace(results, el('p', { class: 'empty' }, 'Choose a topic to browse its events.'));
  },
};
