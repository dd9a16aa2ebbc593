import { isDeadLetterTopic } from '../log/names.js';
import type { EventLog, GroupInfo, TopicInfo } from '../log/types.js';
import type { MetricFamily, Sample } from './exposition.js';
import type { LogOperation } from './herald-metrics.js';

/** Told how long one backend operation took. */
export type TimingListener = (operation: LogOperation, seconds: number) => void;

/**
 * A backend that reports how long its writes take: `append` for one commit (a group commit of
 * many publishes counts once), `fsync` for each sync to disk, `checkpoint` for each WAL
 * checkpoint. `/metrics` shows the timings as histograms when the log has it.
 */
export interface TimedLog extends EventLog {
  /** Calls `listener` after each timed operation; returns the unsubscribe. */
  onTiming(listener: TimingListener): () => void;
}

export function isTimedLog(log: EventLog): log is TimedLog {
  return typeof (log as Partial<TimedLog>).onTiming === 'function';
}

const DLQ = /^(.+)\.dlq\.([^.]+)$/;

type Labels = readonly (readonly [string, string])[];
const gauge = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, help, type: 'gauge', samples });

/**
 * Gauges read from the log at scrape time, so they are right across processes and restarts:
 * topic sizes and heads, per consumer group the cursor, pending, lag and the age of the oldest
 * unacked event, and the depth of each dead-letter topic. What `log` shows is what is measured:
 * a tenant's view gives that tenant's topics only.
 */
export async function collectLogMetrics(log: EventLog, now = Date.now()): Promise<MetricFamily[]> {
  const [topics, groups] = await Promise.all([log.topics(), log.groups()]);
  const heads = new Map(topics.map((t) => [t.topic, t]));
  const ages = await Promise.all(groups.map((g) => oldestUnackedAge(log, g, heads.get(g.topic), now)));
  const t = (info: TopicInfo): Labels => [['topic', info.topic]];
  const tg = (g: GroupInfo): Labels => [['topic', g.topic], ['group', g.group]];
  const dlq: Sample[] = [];
  for (const info of topics) {
    const match = DLQ.exec(info.topic);
    if (match && isDeadLetterTopic(info.topic)) dlq.push({ name: 'herald_dead_letter_depth_events', labels: [['topic', match[1]!], ['group', match[2]!]], value: info.count });
  }
  return [
    gauge('herald_topic_events', 'Events stored in the topic (after retention).', topics.map((i) => ({ name: 'herald_topic_events', labels: t(i), value: i.count }))),
    gauge('herald_topic_head_position', 'Last position written to the topic; it only grows, so its rate is the publish rate.', topics.map((i) => ({ name: 'herald_topic_head_position', labels: t(i), value: i.head }))),
    gauge('herald_dead_letter_depth_events', 'Events waiting in the dead-letter topic of a consumer group (<topic>.dlq.<group>).', dlq),
    gauge('herald_consumer_cursor_position', 'Next position the group has not yet taken; its rate is the group\'s consume rate.', groups.map((g) => ({ name: 'herald_consumer_cursor_position', labels: tg(g), value: g.cursor }))),
    gauge('herald_consumer_pending_events', 'Events taken by the group but not yet acked or dead-lettered.', groups.map((g) => ({ name: 'herald_consumer_pending_events', labels: tg(g), value: g.pending }))),
    gauge('herald_consumer_lag_events', 'Events the group has not acknowledged: pending plus those after its cursor.', groups.map((g) => ({ name: 'herald_consumer_lag_events', labels: tg(g), value: g.lag }))),
    gauge('herald_consumer_oldest_unacked_age_seconds', 'Age of the oldest event the group has not acknowledged (0 when none; a lower bound while events are pending out of order).',
      groups.map((g, i) => ({ name: 'herald_consumer_oldest_unacked_age_seconds', labels: tg(g), value: ages[i]! }))),
  ];
}

/**
 * How long ago the oldest unacked event of `group` was appended. Without pending events it is
 * the one at the cursor. With `pending` events, they lie before the cursor, the oldest at or
 * before `cursor - pending`: that event's age is exact when the pending ones are the last taken
 * (the usual in-flight window) and a lower bound otherwise (appendedAt never decreases).
 */
async function oldestUnackedAge(log: EventLog, group: GroupInfo, topic: TopicInfo | undefined, now: number): Promise<number> {
  if (group.lag === 0 || !topic) return 0;
  const position = Math.max(topic.first, group.pending > 0 ? group.cursor - group.pending : group.cursor);
  if (position > topic.head) return 0;
  for await (const stored of log.read(group.topic, { from: { position }, limit: 1 })) return Math.max(0, (now - stored.appendedAt) / 1000);
  return 0;
}
