import { path } from './api.js';
import { readCatalog, type Catalog, type CatalogTopic, type CatalogType, type SchemaSubject, type SchemaVersion } from './catalog-model.js';
import { el, errorText, fmtNumber, fmtTime, href, notice, replace } from './dom.js';
import { facts } from './event-details.js';
import { jsonView } from './json-view.js';
import { pageHeader, table, type Page, type PageContext } from './page.js';
import type { Retention } from './wire.js';

/** The event catalog: per topic its producers, consumer groups and types; per type its versions and JSON Schema. */
const retentionText = (r?: Retention): string | undefined =>
  r === undefined ? undefined : [r.maxCount === undefined ? '' : `${fmtNumber(r.maxCount)} events`, r.maxAgeMs === undefined ? '' : `${Math.round(r.maxAgeMs / 3_600_000)} h`].filter(Boolean).join(', ') || 'keep everything';

function typeButton(type: string, select: (type: string) => void): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'link', 'aria-label': `Show the schema of ${type}` }, type);
  b.addEventListener('click', () => select(type));
  return b;
}

function list(label: string, items: (Node | string)[][], empty: string): HTMLElement {
  return items.length === 0 ? el('p', { class: 'empty' }, empty) : el('ul', { class: 'plain', 'aria-label': label }, ...items.map((parts) => el('li', {}, ...parts)));
}

function topicPanel(t: CatalogTopic, select: (type: string) => void): HTMLElement {
  return el('section', { class: 'panel catalog-topic', 'aria-label': `topic ${t.topic}`, 'data-topic': t.topic },
    el('h3', { class: 'topic-name' }, el('a', { href: href('events', { topic: t.topic }) }, t.topic)),
    facts(`topic ${t.topic}`, [['events stored', t.events === undefined ? undefined : fmtNumber(t.events)], ['retention', retentionText(t.retention)]]),
    el('div', { class: 'columns' },
      el('div', { 'data-role': 'publishers' }, el('h4', {}, 'Published by'),
        list(`publishers of ${t.topic}`, t.producers.map((p) => [el('span', { class: 'mono' }, p.source), ': ', ...p.types.flatMap((type, i) => [i > 0 ? ', ' : '', typeButton(type, select)])]),
          'No producer in the latest events.')),
      el('div', { 'data-role': 'consumers' }, el('h4', {}, 'Consumed by'),
        list(`consumer groups of ${t.topic}`, t.consumers.map((c) => [el('a', { href: href('groups') }, c.group), c.lag === undefined ? '' : ` · lag ${fmtNumber(c.lag)}`]),
          'No consumer group.')),
      el('div', { 'data-role': 'types' }, el('h4', {}, 'Event types'),
        list(`event types on ${t.topic}`, t.types.map((type) => [typeButton(type, select)]), 'No event in the latest sample.'))));
}

function typesTable(types: readonly CatalogType[], selected: string, select: (type: string) => void): HTMLElement {
  return table('Event types', ['Type', 'Versions', 'Compatibility', 'Owner', 'PII fields', 'Topics'], types.map((t) => el('tr', { 'data-type': t.type, class: t.type === selected ? 'selected' : '' },
    el('th', { scope: 'row' }, typeButton(t.type, select)),
    el('td', {}, t.registered ? t.versions.map((v) => `v${v}`).join(', ') : el('span', { class: 'empty' }, 'no schema registered')),
    el('td', {}, t.compatibility ?? ''), el('td', {}, t.owner ?? ''),
    el('td', {}, t.pii ? `${t.pii.fields.join(', ')} (subject ${t.pii.subject})` : ''),
    el('td', {}, t.topics.join(', ')))), 'No event type seen or registered yet.');
}

async function typePanel(ctx: PageContext, t: CatalogType, version: number | undefined, pick: (version: number) => void): Promise<HTMLElement> {
  const section = el('section', { class: 'panel', 'aria-label': `event type ${t.type}`, 'data-type': t.type }, el('h2', { tabindex: -1 }, `Event type ${t.type}`));
  if (!t.registered) {
    section.append(notice('info', `No schema is registered for ${t.type}: its events are not validated. Register one with POST /v1/schemas/${t.type} or \`herald schema register\`.`));
    return section;
  }
  const shown = version !== undefined && t.versions.includes(version) ? version : t.versions.at(-1)!;
  const entry = await ctx.api.get<SchemaVersion>(path`/v1/schemas/${t.type}/versions/${shown}`);
  const versions = el('div', { class: 'actions', role: 'group', 'aria-label': `versions of ${t.type}` }, ...t.versions.map((v) => {
    const b = el('button', { type: 'button', class: v === shown ? '' : 'secondary', 'aria-pressed': String(v === shown) }, `v${v}`);
    b.addEventListener('click', () => pick(v));
    return b;
  }));
  section.append(versions, facts(`schema ${t.type} v${shown}`, [
    ['version', `${shown} of ${t.versions.length}`], ['compatibility', t.compatibility], ['owner', entry.owner], ['description', entry.description],
    ['registered', typeof entry.registeredAt === 'number' ? fmtTime(entry.registeredAt) : entry.registeredAt], ['fingerprint', entry.fingerprint],
    ['PII', entry.pii ? `${entry.pii.fields.join(', ')} encrypted per subject ${entry.pii.subject}` : undefined],
    ['topics', t.topics.join(', ')],
  ]), el('h3', {}, `JSON Schema (v${shown})`), jsonView(entry.schema, `JSON Schema of ${t.type} version ${shown}`));
  return section;
}

async function download(ctx: PageContext): Promise<void> {
  const doc = await ctx.api.get<unknown>('/v1/catalog');
  const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
  const a = el('a', { href: url, download: 'asyncapi.json' });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const catalogPage: Page = {
  title: 'Catalog',
  render(ctx, root) {
    const exportButton = el('button', { type: 'button', class: 'secondary' }, 'Download AsyncAPI');
    const { header, updated } = pageHeader('Event catalog', exportButton);
    const summary = el('div');
    const detail = el('div');
    const topics = el('div');
    const types = el('div');
    root.append(header, summary, detail, el('h2', {}, 'Topics'), topics, el('h2', {}, 'Event types'), types);
    exportButton.addEventListener('click', () => void download(ctx).catch((error: unknown) => replace(summary, notice('error', `cannot download the catalog: ${errorText(error)}`))));
    let selected = ctx.params.get('type') ?? '';
    let version = Number(ctx.params.get('version')) || undefined;
    let catalog: Catalog | undefined;
    let shown = '';
    const showType = async (): Promise<void> => {
      ctx.setParams({ type: selected || undefined, version: version === undefined ? undefined : String(version) });
      const t = catalog?.types.find((x) => x.type === selected);
      if (!t) return replace(detail, selected ? notice('info', `${selected} is not in the catalog.`) : null);
      try {
        replace(detail, await typePanel(ctx, t, version, (v) => { version = v; void showType(); }));
      } catch (error) {
        replace(detail, notice('error', `schema of ${selected}: ${errorText(error)}`));
      }
    };
    const select = (type: string): void => {
      selected = type;
      version = undefined;
      draw();
      void showType().then(() => detail.querySelector('h2')?.focus());
    };
    const draw = (): void => {
      if (!catalog) return;
      replace(topics, ...(catalog.topics.length === 0 ? [el('p', { class: 'empty' }, 'No topic yet.')] : catalog.topics.map((t) => topicPanel(t, select))));
      replace(types, typesTable(catalog.types, selected, select));
    };
    ctx.poll(5000, async () => {
      try {
        const [doc, { types: subjects }] = await Promise.all([ctx.api.get<unknown>('/v1/catalog'), ctx.api.get<{ types: SchemaSubject[] }>('/v1/schemas')]);
        const fingerprint = JSON.stringify([doc, subjects]);
        updated();
        if (fingerprint === shown) return;
        shown = fingerprint;
        const first = catalog === undefined;
        catalog = readCatalog(doc, subjects);
        const groups = new Set(catalog.topics.flatMap((t) => t.consumers.map((c) => `${t.topic}/${c.group}`)));
        const producers = new Set(catalog.topics.flatMap((t) => t.producers.map((p) => p.source)));
        replace(summary, el('ul', { class: 'cards', 'aria-label': 'catalog summary' },
          el('li', {}, el('strong', {}, String(catalog.topics.length)), ' topics'),
          el('li', {}, el('strong', {}, String(catalog.types.length)), ' event types'),
          el('li', {}, el('strong', {}, String(catalog.types.filter((t) => t.registered).length)), ' with a registered schema'),
          el('li', {}, el('strong', {}, String(producers.size)), ' producers'),
          el('li', {}, el('strong', {}, String(groups.size)), ' consumer groups')));
        draw();
        if (first && selected) await showType();
      } catch (error) {
        updated(error);
      }
    });
  },
};
