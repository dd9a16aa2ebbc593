import type { EventLog, TopicInfo } from '../log/types.js';
import { isDeadLetterTopic } from '../log/names.js';
import type { SchemaRegistry, SchemaVersion } from './registry.js';

/**
 * The event catalog: an AsyncAPI 3.0 document of what flows through the log. Channels are the
 * topics; messages the event types seen on each (with their registered JSON Schema and every
 * registered version); a `send` operation per producer (the CloudEvents `source` values seen in
 * a bounded sample of each topic's latest events) and a `receive` operation per consumer
 * group. The registry's `owner` is the message's `x-owner`. Internal topics (`herald.*`) and
 * dead-letter topics are left out.
 */
export interface CatalogOptions {
  title?: string;
  version?: string;
  description?: string;
  /** The latest events read per topic to find producers and types (default 200). */
  sampleSize?: number;
}

export type AsyncApiDocument = Record<string, unknown> & { asyncapi: string };

interface Seen { sources: Map<string, Set<string>>; types: Set<string> }

/** A key AsyncAPI accepts for components, channels and operations: `^[A-Za-z0-9.\-_]+$`. */
export function componentKey(text: string): string {
  const key = text.replace(/[^A-Za-z0-9._-]/g, '_');
  return key.length > 0 ? key : '_';
}

async function sample(log: EventLog, info: TopicInfo, size: number): Promise<Seen> {
  const seen: Seen = { sources: new Map(), types: new Set() };
  if (info.count === 0) return seen;
  const from = Math.max(info.first, info.head - size + 1);
  for await (const stored of log.read(info.topic, { from: { position: from }, limit: size })) {
    const { source, type } = stored.event;
    seen.types.add(type);
    let types = seen.sources.get(source);
    if (!types) seen.sources.set(source, (types = new Set()));
    types.add(type);
  }
  return seen;
}

function payloadOf(entry: SchemaVersion | undefined): Record<string, unknown> {
  if (!entry) return { type: 'object', description: 'no schema registered for this event type' };
  if (typeof entry.schema === 'boolean') return entry.schema ? {} : { not: {} };
  const { $schema: _draft, $id: _id, ...schema } = entry.schema;
  return { schemaFormat: 'application/schema+json;version=draft-07', schema };
}

export async function buildCatalog(log: EventLog, registry: SchemaRegistry, options: CatalogOptions = {}): Promise<AsyncApiDocument> {
  const size = options.sampleSize ?? 200;
  const topics = (await log.topics()).filter((t) => !t.topic.startsWith('herald.') && !isDeadLetterTopic(t.topic)).sort((a, b) => a.topic.localeCompare(b.topic));
  const groups = await log.groups();
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const messageKey = (type: string): string => componentKey(type);
  const addMessage = (type: string): string => {
    const key = messageKey(type);
    if (messages[key]) return key;
    const versions = registry.versions(type);
    const latest = versions.at(-1);
    messages[key] = {
      name: type, title: type, contentType: 'application/json',
      summary: latest?.description ?? `${type} events`,
      payload: payloadOf(latest),
      'x-versions': versions.map((v) => ({ version: v.version, fingerprint: v.fingerprint, registeredAt: v.registeredAt })),
      ...(latest?.owner ? { 'x-owner': latest.owner } : {}),
      ...(latest?.pii ? { 'x-pii': latest.pii } : {}),
      ...(latest ? { 'x-compatibility': registry.compatibility(type) } : {}),
    };
    return key;
  };
  for (const info of topics) {
    const seen = await sample(log, info, size);
    const channelKey = componentKey(info.topic);
    const channelMessages: Record<string, unknown> = {};
    for (const type of [...seen.types].sort()) channelMessages[messageKey(type)] = { $ref: `#/components/messages/${addMessage(type)}` };
    channels[channelKey] = {
      address: info.topic, title: info.topic, messages: channelMessages,
      'x-events': info.count, 'x-head': info.head, 'x-retention': info.retention,
    };
    const refs = (types: Iterable<string>): { $ref: string }[] => [...types].sort().map((t) => ({ $ref: `#/channels/${channelKey}/messages/${messageKey(t)}` }));
    for (const [source, types] of [...seen.sources].sort(([a], [b]) => a.localeCompare(b))) {
      operations[componentKey(`publish.${info.topic}.${source}`)] = {
        action: 'send', channel: { $ref: `#/channels/${channelKey}` }, title: `${source} publishes to ${info.topic}`,
        messages: refs(types), 'x-producer': source,
      };
    }
    for (const group of groups.filter((g) => g.topic === info.topic)) {
      operations[componentKey(`consume.${info.topic}.${group.group}`)] = {
        action: 'receive', channel: { $ref: `#/channels/${channelKey}` }, title: `group ${group.group} consumes ${info.topic}`,
        messages: refs(seen.types), 'x-consumer-group': group.group, 'x-lag': group.lag,
      };
    }
  }
  // Registered types not seen on any topic are still part of the catalog.
  for (const subject of registry.types()) addMessage(subject.type);
  return {
    asyncapi: '3.0.0',
    info: {
      title: options.title ?? 'herald event catalog', version: options.version ?? '1.0.0',
      description: options.description ?? `Topics, event types, producers and consumer groups seen by herald (producers from the latest ${size} events of each topic).`,
    },
    defaultContentType: 'application/json',
    channels, operations, components: { messages },
  };
}
