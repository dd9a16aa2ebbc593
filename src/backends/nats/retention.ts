import type { JetStreamApi } from './jetstream-api.js';
import type { GroupStore } from './group-store.js';
import { retentionOf, type StreamInfo, type TopicStore } from './topic-store.js';

/**
 * Applies a topic's retention now, herald's way: the oldest events beyond `maxCount` or older
 * than `maxAgeMs` go, except those a group may still hold (between a consumer's ack floor and
 * the last message it was given: a superset of what is held). Below every such range one purge
 * does it; within them, events no group can hold are deleted one by one.
 */
export async function applyStreamRetention(api: JetStreamApi, topics: TopicStore, groups: GroupStore, info: StreamInfo, now: number): Promise<number> {
  const { maxAgeMs, maxCount } = retentionOf(info.config);
  if (maxAgeMs === undefined && maxCount === undefined) return 0;
  const { first, head, count } = topics.topicInfo(info);
  if (count === 0) return 0;
  const stream = info.config.name;
  let cut = maxCount === undefined ? 0 : head - maxCount;
  if (maxAgeMs !== undefined) cut = Math.max(cut, (await topics.firstAtOrAfter(stream, info.config.subjects[0]!, first, head, now - maxAgeMs)) - 1);
  if (cut < first) return 0;
  const held = (await groups.list(stream)).filter((c) => c.num_ack_pending > 0).map((c) => [c.ack_floor.stream_seq, c.delivered.stream_seq] as const);
  const below = Math.min(cut, ...held.map(([floor]) => floor));
  let removed = 0;
  if (below >= first) removed += (await api.call<{ purged: number }>(`STREAM.PURGE.${stream}`, { seq: below + 1 })).purged;
  const singles: number[] = [];
  for (let seq = Math.max(below + 1, first); seq <= cut; seq++) {
    if (!held.some(([floor, last]) => seq > floor && seq <= last)) singles.push(seq);
  }
  const answers = await api.many(singles.map((seq) => ({ subject: `$JS.API.STREAM.MSG.DELETE.${stream}`, data: JSON.stringify({ seq, no_erase: true }) })));
  for (const answer of answers) if (!(answer instanceof Error) && answer.json<{ success?: boolean }>().success) removed++;
  return removed;
}
