/**
 * The event catalog (GET /v1/catalog, an AsyncAPI 3.0 document) and the schema registry
 * (GET /v1/schemas) read into what the console shows: per topic, who publishes which types and
 * which consumer groups read it; per event type, its versions, owner, compatibility and PII fields.
 */
import type { Retention } from './wire.js';

type Json = Record<string, unknown>;
export interface SchemaSubject { type: string; compatibility: string; versions: number[]; latest: number; owner?: string }
export interface SchemaVersion { type: string; version: number; schema: unknown; fingerprint: string; registeredAt: number | string; owner?: string; description?: string; pii?: PiiSpec }
export interface PiiSpec { subject: string; fields: string[] }

export interface CatalogTopic {
  topic: string;
  events?: number;
  retention?: Retention;
  types: string[];
  producers: { source: string; types: string[] }[];
  consumers: { group: string; lag?: number }[];
}
export interface CatalogType {
  type: string;
  versions: number[];
  compatibility?: string;
  owner?: string;
  pii?: PiiSpec;
  summary?: string;
  topics: string[];
  registered: boolean;
}
export interface Catalog { title: string; topics: CatalogTopic[]; types: CatalogType[] }

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Json : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
/** The last segment of a local `$ref` (`#/channels/orders/messages/order_placed` → `order_placed`). */
const refKey = (ref: unknown): string => decodeURIComponent((str(obj(ref).$ref) ?? '').split('/').at(-1) ?? '');

export function readCatalog(doc: unknown, subjects: readonly SchemaSubject[]): Catalog {
  const root = obj(doc);
  const channels = obj(root.channels);
  const messages = obj(obj(root.components).messages);
  const typeOf = (messageKey: string): string => str(obj(messages[messageKey]).name) ?? messageKey;
  /** A channel's message key → the component message's key, through the channel's own $ref. */
  const channelType = (channelKey: string, key: string): string => typeOf(refKey(obj(obj(channels[channelKey]).messages)[key]));
  const topics = new Map<string, CatalogTopic>();
  for (const [key, value] of Object.entries(channels)) {
    const c = obj(value);
    topics.set(key, {
      topic: str(c.address) ?? key, ...(num(c['x-events']) === undefined ? {} : { events: num(c['x-events']) }),
      ...(c['x-retention'] === undefined ? {} : { retention: obj(c['x-retention']) }),
      types: Object.keys(obj(c.messages)).map((k) => channelType(key, k)).sort(), producers: [], consumers: [],
    });
  }
  for (const value of Object.values(obj(root.operations))) {
    const op = obj(value);
    const channelKey = refKey(op.channel);
    const topic = topics.get(channelKey);
    if (!topic) continue;
    const types = (Array.isArray(op.messages) ? op.messages : []).map((m) => channelType(channelKey, refKey(m))).sort();
    if (op.action === 'send') topic.producers.push({ source: str(op['x-producer']) ?? str(op.title) ?? '?', types });
    if (op.action === 'receive') topic.consumers.push({ group: str(op['x-consumer-group']) ?? str(op.title) ?? '?', ...(num(op['x-lag']) === undefined ? {} : { lag: num(op['x-lag'])! }) });
  }
  const types = new Map<string, CatalogType>();
  for (const value of Object.values(messages)) {
    const m = obj(value);
    const type = str(m.name) ?? '?';
    const versions = (Array.isArray(m['x-versions']) ? m['x-versions'] : []).map((v) => num(obj(v).version)).filter((v): v is number => v !== undefined);
    const pii = obj(m['x-pii']);
    types.set(type, {
      type, versions, registered: versions.length > 0, topics: [],
      ...(str(m['x-compatibility']) ? { compatibility: str(m['x-compatibility'])! } : {}),
      ...(str(m['x-owner']) ? { owner: str(m['x-owner'])! } : {}),
      ...(str(m.summary) ? { summary: str(m.summary)! } : {}),
      ...(Array.isArray(pii.fields) ? { pii: { subject: str(pii.subject) ?? '', fields: pii.fields.map(String) } } : {}),
    });
  }
  for (const s of subjects) { // the registry is the authority on versions; it may know types the catalog's sample missed
    const t = types.get(s.type) ?? { type: s.type, versions: [], registered: true, topics: [] };
    types.set(s.type, { ...t, versions: s.versions, compatibility: s.compatibility, registered: true, ...(s.owner ? { owner: s.owner } : {}) });
  }
  const sortedTopics = [...topics.values()].sort((a, b) => a.topic.localeCompare(b.topic));
  for (const t of sortedTopics) for (const type of t.types) types.get(type)?.topics.push(t.topic);
  return { title: str(obj(root.info).title) ?? 'event catalog', topics: sortedTopics, types: [...types.values()].sort((a, b) => a.type.localeCompare(b.type)) };
}
