import type Database from 'better-sqlite3';
import { assertStartFrom } from '../../log/names.js';
import { resolveStart, searchByTime } from '../../log/start.js';
import type { Retention, StartFrom, TopicInfo } from '../../log/types.js';
import type { MultiRows } from './insert-rows.js';
import type { LeaseRuns } from './lease-runs.js';
import { damagedIndex } from './row-check.js';
import type { GroupRow, Statements, TopicRow } from './statements.js';

/** What the storage functions share: the connection, its statements and the topic-id cache. */
export interface Ctx {
  db: Database.Database;
  st: Statements;
  multi: MultiRows;
  runs: LeaseRuns;
  /** Topic ids are cached; deleteTopic and a rolled-back transaction forget them. */
  topicIds: Map<string, number>;
}

export function findTopic(ctx: Ctx, name: string): number | undefined {
  let id = ctx.topicIds.get(name);
  if (id === undefined) {
    id = ctx.st.topicId.get(name);
    if (id !== undefined) ctx.topicIds.set(name, id);
    // A miss through the name index, once per new topic: a damaged entry would hide the topic
    // (reads find nothing, an append starts a second topic of the same name). The table is small.
    else if (ctx.st.topicIdNotIndexed.get(name) !== undefined) throw damagedIndex(`topic ${name} is stored but its name index misses it`, { topic: name });
  }
  return id;
}

export function ensureTopic(ctx: Ctx, name: string): number {
  const known = findTopic(ctx, name);
  if (known !== undefined) return known;
  ctx.st.insertTopic.run(name);
  return findTopic(ctx, name)!;
}

export function topicRow(ctx: Ctx, id: number): TopicRow {
  return ctx.st.topicById.get(id)!;
}

export function firstPosition(ctx: Ctx, topicId: number, head: number): number {
  return ctx.st.firstPosition.get(topicId) ?? head + 1;
}

/** Where a read or a group starts, as MemoryLog resolves it (append times never decrease). */
export function startPosition(ctx: Ctx, topicId: number, head: number, from: StartFrom): number {
  const first = firstPosition(ctx, topicId, head);
  return resolveStart(from, { first, head }, (time) =>
    searchByTime(first, head, time, (p) => ctx.st.appendedAtFrom.get(topicId, p)));
}

/** The group, created at `from` when it does not exist (`from` is only checked then, as in MemoryLog). */
export function ensureGroup(ctx: Ctx, topicId: number, head: number, name: string, from: StartFrom): GroupRow {
  const existing = ctx.st.groupByName.get(topicId, name);
  if (existing) return existing;
  assertStartFrom(from);
  return resetGroupRow(ctx, topicId, head, name, from);
}

/** Sets the group's cursor to `to` and forgets everything it had taken. */
export function resetGroupRow(ctx: Ctx, topicId: number, head: number, name: string, to: StartFrom): GroupRow {
  const cursor = startPosition(ctx, topicId, head, to);
  const { id } = ctx.st.upsertGroup.get(topicId, name, cursor)!;
  ctx.st.clearGroup.run(topicId, id);
  ctx.runs.clear(topicId, id);
  return { id, cursor };
}

export function parseRetention(json: string): Retention {
  return JSON.parse(json) as Retention;
}

export function infoOf(ctx: Ctx, row: TopicRow): TopicInfo {
  return { topic: row.name, head: row.head, first: firstPosition(ctx, row.id, row.head), count: row.count, retention: parseRetention(row.retention) };
}
