import { keyOf, type CloudEvent } from '../../core/envelope.js';
import type { GroupInfo, Retention, StartFrom } from '../../log/types.js';
import { streamsOnTopic } from '../../log/stream-checks.js';
import { rows, type Db, type Sql } from './db.js';
import { ensureGroup } from './fetch.js';
import { LIVE_TOPIC } from './migration-5.js';
import { startPosition, type Topics } from './topics.js';

/** Group and topic administration; every change to a group holds its lock exclusively, as a fetch does. */
export class Admin {
  constructor(private readonly db: Db, private readonly topics: Topics) {}

  private async groupId(topicId: number, group: string): Promise<number | undefined> {
    const [row] = await this.db.query<{ id: number }>(`SELECT id FROM ${this.db.s}.groups WHERE topic_id = $1 AND name = $2`, [topicId, group], `finding group ${group}`);
    return row?.id;
  }

  async groups(topic: string | undefined): Promise<GroupInfo[]> {
    const { s } = this.db;
    const found = await this.db.query<{ topic: string; group: string; cursor: number; head: number; pending: number }>(`
      SELECT t.name AS topic, g.name AS group, g.cursor, t.head,
        (SELECT count(*) FROM ${s}.inflight i WHERE i.group_id = g.id)::bigint
          + (SELECT COALESCE(sum(r.pending), 0) FROM ${s}.lease_runs r WHERE r.group_id = g.id)::bigint AS pending
      FROM ${s}.groups g JOIN ${s}.topics t ON t.id = g.topic_id
      WHERE $1::text IS NULL OR t.name = $1`, [topic ?? null], 'listing groups');
    return found
      .map((r) => ({ topic: r.topic, group: r.group, cursor: r.cursor, pending: r.pending, lag: r.pending + Math.max(0, r.head - r.cursor + 1) }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.group.localeCompare(b.group));
  }

  /** Moves the group's cursor to `to` (creating the group) and forgets everything it had taken. */
  async resetGroup(topic: string, group: string, to: StartFrom): Promise<void> {
    const { s } = this.db;
    const topicId = await this.topics.ensure(topic);
    const groupId = await ensureGroup(this.db, topicId, group, to);
    await this.db.tx(`resetting ${topic}/${group}`, async (sql) => {
      await sql.query(`SELECT ${s}.lock_group($1, false)`, [groupId]);
      const cursor = await startPosition(sql, s, topicId, to);
      await forgetLeases(sql, s, [groupId]);
      await sql.query(`UPDATE ${s}.groups SET cursor = $2 WHERE id = $1`, [groupId, cursor]);
    });
  }

  async deleteGroup(topic: string, group: string): Promise<void> {
    const topicId = await this.topics.find(topic);
    const groupId = topicId === undefined ? undefined : await this.groupId(topicId, group);
    if (groupId === undefined) return;
    const { s } = this.db;
    await this.db.tx(`deleting ${topic}/${group}`, async (sql) => {
      await sql.query(`SELECT ${s}.lock_group($1, false)`, [groupId]);
      await forgetLeases(sql, s, [groupId]);
      await sql.query(`DELETE FROM ${s}.groups WHERE id = $1`, [groupId]);
    });
  }

  /** Hands `event` (stored beside the group's row, the log itself is untouched) to the group again. */
  async requeue(topic: string, group: string, event: CloudEvent, position: number): Promise<void> {
    const { s } = this.db;
    const topicId = await this.topics.ensure(topic);
    const groupId = await ensureGroup(this.db, topicId, group, 'earliest');
    await this.db.tx(`requeueing ${topic}#${position} for ${group}`, async (sql) => {
      await sql.query(`SELECT ${s}.lock_group($1, false)`, [groupId]);
      await sql.query(`SELECT ${s}.run_take($1, NULL, $2)`, [groupId, position]); // a row replaces it
      await sql.query(`
        INSERT INTO ${s}.inflight (group_id, position, key, attempt, lease_id, visible_at, body_override)
        VALUES ($1, $2, $3, 0, 0, 0, $4)
        ON CONFLICT (group_id, position) DO UPDATE SET key = EXCLUDED.key, attempt = 0, lease_id = 0, visible_at = 0,
          last_error = NULL, body_override = EXCLUDED.body_override`,
      [groupId, position, keyOf(event) ?? null, JSON.stringify(event)]);
      await sql.query('SELECT pg_notify($1, $2)', [`herald:${this.db.options.schema}`, topic]);
    });
  }

  async setRetention(topic: string, retention: Retention): Promise<void> {
    const topicId = await this.topics.ensure(topic);
    await this.db.query(`UPDATE ${this.db.s}.topics SET retention = $2, deleted = false WHERE id = $1`, [topicId, JSON.stringify(retention)], `setting retention of ${topic}`);
  }

  /** Removes one event; under the topic row's lock, so an append's receipts never miss a row. */
  async deleteEvent(topic: string, position: number): Promise<boolean> {
    const topicId = await this.topics.find(topic);
    if (topicId === undefined) return false;
    const { s } = this.db;
    return this.db.tx(`deleting ${topic}#${position}`, async (sql) => {
      await sql.query(`SELECT 1 FROM ${s}.topics WHERE id = $1 FOR UPDATE`, [topicId]);
      const gone = await rows(sql, `DELETE FROM ${s}.events WHERE topic_id = $1 AND position = $2 RETURNING 1`, [topicId, position]);
      if (gone.length === 0) return false;
      await sql.query(`UPDATE ${s}.topics SET count = count - 1 WHERE id = $1`, [topicId]);
      return true;
    });
  }

  /**
   * Deletes a topic: its events, groups and their leases, its retention; positions start again
   * from 1. Under the topic row's lock (appends wait) and each group's lock (fetches and settles
   * wait), so nothing is half-deleted when seen. The row itself stays, marked deleted (migration-5.ts).
   * A topic that carries event-sourced streams is refused: its events are their history.
   */
  async deleteTopic(topic: string): Promise<boolean> {
    const topicId = await this.topics.find(topic);
    if (topicId === undefined) return false;
    const { s } = this.db;
    return this.db.tx(`deleting topic ${topic}`, async (sql) => {
      const [row] = await rows<{ live: boolean }>(sql, `SELECT ${LIVE_TOPIC} AS live FROM ${s}.topics t WHERE t.id = $1 FOR UPDATE`, [topicId]);
      if (!row?.live) return false;
      if ((await rows(sql, `SELECT 1 FROM ${s}.streams WHERE topic_id = $1 LIMIT 1`, [topicId])).length > 0) throw streamsOnTopic(topic);
      const groups = (await rows<{ id: number }>(sql, `SELECT id FROM ${s}.groups WHERE topic_id = $1 ORDER BY id`, [topicId])).map((g) => g.id);
      for (const id of groups) await sql.query(`SELECT ${s}.lock_group($1, false)`, [id]);
      await forgetLeases(sql, s, groups);
      await sql.query(`DELETE FROM ${s}.groups WHERE topic_id = $1`, [topicId]);
      await sql.query(`DELETE FROM ${s}.events WHERE topic_id = $1`, [topicId]);
      await sql.query(`UPDATE ${s}.topics SET head = 0, count = 0, last_appended_at = 0, retention = '{}', deleted = true WHERE id = $1`, [topicId]);
      return true;
    });
  }
}

/** Drops every pending delivery of `groups` (rows and runs); the caller holds their locks. */
async function forgetLeases(sql: Sql, s: string, groups: number[]): Promise<void> {
  await sql.query(`DELETE FROM ${s}.inflight WHERE group_id = ANY($1::integer[])`, [groups]);
  await sql.query(`DELETE FROM ${s}.lease_runs WHERE group_id = ANY($1::integer[])`, [groups]);
}
