import type { CloudEvent } from '../../core/envelope.js';
import type { Delivery, StoredEvent } from '../../log/types.js';
import type { Grant } from './group-table.js';
import type { Session } from './session.js';
import { readRange } from './stream-reader.js';
import type { TopicReplica } from './topic-replica.js';

const parse = (body: Buffer): CloudEvent => JSON.parse(body.toString('utf8')) as CloudEvent;

/**
 * The live events of positions `from`..`to`, in order: from the body cache while it has them,
 * then from the data stream (a cache miss switches to one sequential stream read to the end).
 */
export async function* storedEvents(session: Session, replica: TopicReplica, from: number, to: number): AsyncGenerator<StoredEvent> {
  const { index, state, topic } = replica;
  let p = Math.max(from, index.base);
  for (; p <= to; p++) {
    const entry = state.live(p);
    if (!entry) continue;
    const body = index.body(p);
    if (!body) break;
    yield { topic, position: p, appendedAt: entry.at, event: parse(body) };
  }
  if (p > to) return;
  for await (const raw of readRange(session, replica.data, p, to)) {
    const entry = state.live(raw.position);
    if (entry) yield { topic, position: raw.position, appendedAt: entry.at, event: parse(raw.body) };
  }
}

/** Turns the grants of a fetch into deliveries, reading bodies the cache no longer has. */
export async function toDeliveries(session: Session, replica: TopicReplica, group: string, grants: readonly Grant[], now: number): Promise<Delivery[]> {
  const { index, topic } = replica;
  const missing = grants.filter((g) => !g.event && !index.body(g.position)).map((g) => g.position);
  const fetched = new Map<number, Buffer>();
  if (missing.length > 0) {
    const wanted = new Set(missing);
    for await (const raw of readRange(session, replica.data, Math.min(...missing), Math.max(...missing))) {
      if (wanted.has(raw.position)) fetched.set(raw.position, raw.body);
    }
  }
  const out: Delivery[] = [];
  for (const g of grants) {
    const body = g.event ? undefined : index.body(g.position) ?? fetched.get(g.position);
    if (!g.event && !body) continue; // gone from the stream itself (its own retention): the lease simply runs out
    const event = g.event ? structuredClone(g.event) : parse(body!);
    const delivery: Delivery = {
      topic, position: g.position, appendedAt: index.entry(g.position)?.at ?? now, event,
      group, attempt: g.attempt, leaseId: g.leaseId, leaseUntil: g.leaseUntil,
    };
    if (g.lastError) delivery.lastError = structuredClone(g.lastError);
    out.push(delivery);
  }
  return out;
}
