import { el, fmtTime, href } from './dom.js';
import { jsonView } from './json-view.js';
import { shownData } from './redaction.js';
import type { CloudEvent } from './wire.js';

/** A definition list of label/value pairs (values as text or nodes). */
export function facts(label: string, pairs: readonly [string, Node | string | number | undefined][]): HTMLDListElement {
  const list = el('dl', { class: 'facts', 'aria-label': label });
  for (const [k, v] of pairs) {
    if (v === undefined || v === '') continue;
    list.append(el('dt', {}, k), el('dd', {}, typeof v === 'object' ? v : String(v)));
  }
  return list;
}

/** The flow an event belongs to: its correlation id, or its own id when it starts one. */
export const correlationOf = (e: CloudEvent): string => (typeof e.correlationid === 'string' && e.correlationid !== '' ? e.correlationid : e.id);

/** An event's attributes, a link to its flow, and its payload (redacted values shown as such). */
export function eventDetails(e: CloudEvent, where?: { topic: string; position: number; appendedAt: number }): HTMLElement {
  const { data: _data, data_base64: base64, ...attributes } = e;
  const flow = correlationOf(e);
  const extensions = Object.entries(attributes).filter(([k]) => !['id', 'source', 'type', 'specversion', 'subject', 'time', 'datacontenttype', 'correlationid', 'causationid'].includes(k));
  return el('div', { class: 'event-details' },
    facts('event attributes', [
      ['type', e.type], ['id', e.id], ['source', e.source], ['subject', e.subject],
      ['stored at', where ? `${where.topic}#${where.position}, ${fmtTime(where.appendedAt)}` : undefined],
      ['time', e.time], ['content type', e.datacontenttype],
      ['correlation id', el('a', { href: href('lineage', { id: flow }) }, flow)],
      ['causation id', e.causationid],
      ...extensions.map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ]),
    el('h3', {}, 'Payload'),
    base64 !== undefined ? el('p', {}, `binary data, ${Math.floor((base64.length * 3) / 4)} bytes (base64)`) : jsonView(shownData(e), `payload of ${e.type} ${e.id}`),
  );
}
