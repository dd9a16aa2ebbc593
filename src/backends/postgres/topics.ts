import { resolveStart } from '../../log/start.js';
import { timeOf } from '../../log/names.js';
import type { Retention, StartFrom, TopicInfo } from '../../log/types.js';
import { rows, type Db, type Sql } from './db.js';

/** Topic ids never change once made (a deleted topic keeps its row: migration-5.ts), so they are cached. */
export class Topics {
  private readonly ids = new Map<string, number>();

  constructor(private readonly db: Db) {}

  async find(name: string): Promise<number | undefined> {
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    const [row] = await this.db.query<{ id: number }>(`SELECT id FROM ${this.db.s}.topics WHERE name = $1`, [name], `finding topic ${name}`);
    if (row) this.ids.set(name, row.id);
    return row?.id;
  }

  async ensure(name: string): Promise<number> {
    const known = await this.find(name);
    if (known !== undefined) return known;
    await this.db.query(`INSERT INTO ${this.db.s}.topics (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [name], `creating topic ${name}`);
    return (await this.find(name))!;
  }
}

/**
 * Where a read or a group starts in topic `topicId`, as MemoryLog resolves it: append times never
 * decrease along positions, so the first event at or after a time is the first in (appended_at, position).
 */
export async function startPosition(sql: Sql, s: string, topicId: number, from: StartFrom): Promise<number> {
  const time = typeof from === 'object' && 'time' in from ? timeOf(from) : null;
  const [b] = await rows<{ head: number; first: number; at_time: number | null }>(sql, `
    SELECT t.head,
      COALESCE((SELECT e.position FROM ${s}.events e WHERE e.topic_id = t.id ORDER BY e.position LIMIT 1), t.head + 1) AS first,
      (SELECT e.position FROM ${s}.events e WHERE e.topic_id = t.id AND e.appended_at >= $2 ORDER BY e.appended_at, e.position LIMIT 1) AS at_time
    FROM ${s}.topics t WHERE t.id = $1`, [topicId, time]);
  const head = b?.head ?? 0;
  return resolveStart(from, { first: b?.first ?? head + 1, head }, () => b?.at_time ?? head + 1);
}

/** SELECT list for TopicInfo rows of `topics t`. */
export function topicInfoColumns(s: string): string {
  return `t.name, t.head, t.count, t.retention,
    COALESCE((SELECT e.position FROM ${s}.events e WHERE e.topic_id = t.id ORDER BY e.position LIMIT 1), t.head + 1) AS first`;
}

export interface TopicInfoRow { name: string; head: number; count: number; retention: Retention; first: number }

export function infoOf(row: TopicInfoRow): TopicInfo {
  return { topic: row.name, head: row.head, first: row.first, count: row.count, retention: { ...row.retention } };
}
