import { quoteIdent, type Sql } from './db.js';
import { HeraldError } from '../../core/errors.js';
import { V3 } from './stream-append-migration.js';
import { V4 } from './migration-4.js';
import { V5 } from './migration-5.js';
import { V6 } from './migration-6.js';
import { V7 } from './migration-7.js';
import { V8 } from './migration-8.js';

export interface Migration {
  version: number;
  name: string;
  /** The DDL, given the quoted schema name. */
  sql: (s: string, schema: string) => string;
}

/**
 * Version 1: the log and consumer groups. Positions are allocated under the topic row's lock
 * (`append_events`), so a topic's appends commit in position order; `inflight` holds a group's
 * taken-but-unacked events (leases, retries, parked and requeued events). Events are keyed by
 * (topic_id, position): a later `streams` table indexes them by that key, as on SQLite.
 * Rows updated all the time (topics.head, inflight leases) change no indexed column: HOT updates.
 */
const V1: Migration = {
  version: 1,
  name: 'log and consumer groups',
  sql: (s, schema) => `
CREATE FUNCTION ${s}.now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS
  $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE TABLE ${s}.topics (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  head bigint NOT NULL DEFAULT 0,
  count bigint NOT NULL DEFAULT 0,
  last_appended_at bigint NOT NULL DEFAULT 0,
  retention jsonb NOT NULL DEFAULT '{}'
) WITH (fillfactor = 70);

CREATE TABLE ${s}.events (
  topic_id integer NOT NULL,
  position bigint NOT NULL,
  id text NOT NULL,
  appended_at bigint NOT NULL,
  type text NOT NULL,
  key text,
  body json NOT NULL,
  PRIMARY KEY (topic_id, position)
);
CREATE UNIQUE INDEX events_by_id ON ${s}.events (topic_id, id);
CREATE INDEX events_by_time ON ${s}.events (topic_id, appended_at, position);

CREATE TABLE ${s}.groups (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic_id integer NOT NULL,
  name text NOT NULL,
  cursor bigint NOT NULL,
  UNIQUE (topic_id, name)
) WITH (fillfactor = 70);

CREATE TABLE ${s}.inflight (
  group_id integer NOT NULL,
  position bigint NOT NULL,
  key text,
  attempt integer NOT NULL,
  lease_id bigint NOT NULL,
  visible_at bigint NOT NULL,
  last_error jsonb,
  body_override json,
  PRIMARY KEY (group_id, position)
) WITH (fillfactor = 70);
CREATE INDEX inflight_by_key ON ${s}.inflight (group_id, key, position) WHERE key IS NOT NULL;

CREATE SEQUENCE ${s}.lease_ids;

-- Fetches (and requeue, reset, delete) of a group take it exclusively, settles shared: a fetch
-- decides on a state no settle changes under it, settles run side by side.
CREATE FUNCTION ${s}.lock_group(p_group integer, p_shared boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_shared THEN PERFORM pg_advisory_xact_lock_shared(hashtext('herald-group:${schema}'), p_group);
  ELSE PERFORM pg_advisory_xact_lock(hashtext('herald-group:${schema}'), p_group);
  END IF;
END $$;

-- One append, atomic: lock the topic row (appenders of a topic queue here until the holder
-- commits, so positions are contiguous and commit in order), drop ids already stored or repeated
-- in the batch, insert the rest after head, move head (the caller notifies other processes after the commit).
CREATE FUNCTION ${s}.append_events(p_topic text, p_ids text[], p_types text[], p_keys text[], p_bodies json[], p_now bigint)
RETURNS TABLE (ord integer, pos bigint, at bigint, dup boolean) LANGUAGE plpgsql AS $$
DECLARE
  t_id integer; t_head bigint; t_last bigint; v_at bigint; n bigint;
BEGIN
  SELECT t.id, t.head, t.last_appended_at INTO t_id, t_head, t_last FROM ${s}.topics t WHERE t.name = p_topic FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO ${s}.topics (name) VALUES (p_topic) ON CONFLICT (name) DO NOTHING;
    SELECT t.id, t.head, t.last_appended_at INTO t_id, t_head, t_last FROM ${s}.topics t WHERE t.name = p_topic FOR UPDATE;
  END IF;
  v_at := GREATEST(COALESCE(p_now, ${s}.now_ms()), t_last);
  INSERT INTO ${s}.events (topic_id, position, id, appended_at, type, key, body)
  SELECT t_id, t_head + row_number() OVER (ORDER BY f.o), f.id, v_at, f.type, f.key, f.body
  FROM (
    SELECT DISTINCT ON (i.id) i.id, i.type, i.key, i.body, i.o
    FROM unnest(p_ids, p_types, p_keys, p_bodies) WITH ORDINALITY AS i(id, type, key, body, o)
    WHERE NOT EXISTS (SELECT 1 FROM ${s}.events e WHERE e.topic_id = t_id AND e.id = i.id)
    ORDER BY i.id, i.o
  ) f;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    UPDATE ${s}.topics SET head = head + n, count = count + n, last_appended_at = v_at WHERE id = t_id;
  END IF;
  RETURN QUERY
    SELECT i.o::integer, e.position, e.appended_at, e.position <= t_head OR i.o <> min(i.o) OVER (PARTITION BY i.id)
    FROM unnest(p_ids) WITH ORDINALITY AS i(id, o)
    JOIN ${s}.events e ON e.topic_id = t_id AND e.id = i.id
    ORDER BY i.o;
END $$;

-- Settlements in order, each fenced by its lease id (0 never matches); true where it applied.
CREATE FUNCTION ${s}.settle(p_topic text, p_group text, p_kinds text[], p_positions bigint[], p_leases bigint[], p_ms bigint[], p_errors jsonb[], p_now bigint)
RETURNS boolean[] LANGUAGE plpgsql AS $$
DECLARE
  g integer; v_now bigint; n integer; ok boolean[] := '{}';
BEGIN
  SELECT gr.id INTO g FROM ${s}.groups gr JOIN ${s}.topics t ON t.id = gr.topic_id WHERE t.name = p_topic AND gr.name = p_group;
  IF g IS NULL THEN
    RETURN array_fill(false, ARRAY[cardinality(p_kinds)]);
  END IF;
  PERFORM ${s}.lock_group(g, true);
  v_now := COALESCE(p_now, ${s}.now_ms());
  FOR i IN 1 .. cardinality(p_kinds) LOOP
    n := 0;
    IF p_leases[i] <> 0 THEN
      CASE p_kinds[i]
        WHEN 'ack' THEN
          DELETE FROM ${s}.inflight WHERE group_id = g AND position = p_positions[i] AND lease_id = p_leases[i];
        WHEN 'nack' THEN
          UPDATE ${s}.inflight SET lease_id = 0, visible_at = v_now + p_ms[i], last_error = COALESCE(p_errors[i], last_error)
          WHERE group_id = g AND position = p_positions[i] AND lease_id = p_leases[i];
        WHEN 'release' THEN
          UPDATE ${s}.inflight SET lease_id = 0, visible_at = v_now, attempt = attempt - 1
          WHERE group_id = g AND position = p_positions[i] AND lease_id = p_leases[i];
        ELSE
          UPDATE ${s}.inflight SET visible_at = v_now + p_ms[i]
          WHERE group_id = g AND position = p_positions[i] AND lease_id = p_leases[i];
      END CASE;
      GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    ok := ok || (n = 1);
  END LOOP;
  RETURN ok;
END $$;
`,
};

/**
 * Version 2: event-sourced streams, an index over topic rows as on SQLite. `$all` positions are
 * allocated under the single `all_head` row's lock, taken last in the append transaction and held
 * to COMMIT: stream appends commit in `$all` order, so every position at or below a committed
 * `all_head.head` is committed (readers bound each page by it). See docs/backends/postgres.md.
 */
const V2: Migration = {
  version: 2,
  name: 'event-sourced streams',
  sql: (s) => `
CREATE TABLE ${s}.streams (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  category text NOT NULL,
  topic_id integer NOT NULL,
  revision bigint NOT NULL DEFAULT 0,
  deleted smallint NOT NULL DEFAULT 0,
  soft_deleted_at bigint NOT NULL DEFAULT 0,
  metadata json NOT NULL DEFAULT '{}'
) WITH (fillfactor = 70);

CREATE TABLE ${s}.stream_events (
  global bigint PRIMARY KEY,
  stream_id integer NOT NULL,
  revision bigint NOT NULL,
  topic_id integer NOT NULL,
  position bigint NOT NULL,
  category text NOT NULL
);
CREATE UNIQUE INDEX stream_events_by_revision ON ${s}.stream_events (stream_id, revision);
CREATE UNIQUE INDEX stream_events_by_position ON ${s}.stream_events (topic_id, position);
CREATE INDEX stream_events_by_category ON ${s}.stream_events (category, global);

CREATE TABLE ${s}.all_head (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  head bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 50);
INSERT INTO ${s}.all_head DEFAULT VALUES;

CREATE TABLE ${s}.snapshots (
  stream text PRIMARY KEY,
  revision bigint NOT NULL,
  version integer NOT NULL,
  state json NOT NULL
);

-- The write of a stream append whose stream row the caller holds FOR UPDATE (revision checked):
-- the topic rows through append_events (topic row lock), then, last, the all_head lock for the
-- $all positions, the index rows, the stream's new revision. An id that another writer stored
-- on the topic meanwhile aborts the append (HR001; the caller checks again).
CREATE FUNCTION ${s}.append_stream_events(p_stream integer, p_topic text, p_ids text[], p_types text[], p_keys text[], p_bodies json[], p_now bigint)
RETURNS TABLE (ord integer, pos bigint, at bigint, revision bigint, global bigint) LANGUAGE plpgsql AS $$
DECLARE
  s_rev bigint; s_cat text; s_topic integer; v_pos bigint[]; v_at bigint[]; v_dup boolean; g bigint; n integer;
BEGIN
  SELECT st.revision, st.category, st.topic_id INTO s_rev, s_cat, s_topic FROM ${s}.streams st WHERE st.id = p_stream;
  SELECT array_agg(a.pos ORDER BY a.ord), array_agg(a.at ORDER BY a.ord), bool_or(a.dup) INTO v_pos, v_at, v_dup
  FROM ${s}.append_events(p_topic, p_ids, p_types, p_keys, p_bodies, p_now) a;
  IF v_dup THEN
    RAISE EXCEPTION 'an event id of this append was stored on % meanwhile', p_topic USING ERRCODE = 'HR001';
  END IF;
  n := cardinality(v_pos);
  UPDATE ${s}.all_head SET head = head + n RETURNING head - n INTO g;
  INSERT INTO ${s}.stream_events (global, stream_id, revision, topic_id, position, category)
  SELECT g + i.o, p_stream, s_rev + i.o, s_topic, i.p, s_cat FROM unnest(v_pos) WITH ORDINALITY AS i(p, o);
  UPDATE ${s}.streams SET revision = s_rev + n, deleted = 0 WHERE id = p_stream;
  RETURN QUERY SELECT i.o::integer, i.p, v_at[i.o], s_rev + i.o, g + i.o FROM unnest(v_pos) WITH ORDINALITY AS i(p, o);
END $$;
`,
};

export const MIGRATIONS: readonly Migration[] = [V1, V2, V3, V4, V5, V6, V7, V8];

export const LATEST = MIGRATIONS.at(-1)!.version;

/**
 * Brings `schema` up to the latest version. Under a session advisory lock (two processes starting
 * at once: one migrates, the other waits and then finds nothing to do), each pending migration runs
 * once, in its own transaction, recorded in `<schema>.herald_migrations`. A schema migrated by a
 * newer herald is refused, not guessed at.
 */
export async function migrate(client: Sql, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const s = quoteIdent(schema);
  const applied: number[] = [];
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [`herald-migrate:${schema}`]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.herald_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = await client.query<{ version: number }>(`SELECT version FROM ${s}.herald_migrations ORDER BY version`);
    const versions = new Set(done.rows.map((r) => r.version));
    const newest = Math.max(0, ...versions);
    const known = migrations.at(-1)?.version ?? 0;
    if (newest > known) {
      throw new HeraldError('HERALD_E_UNSUPPORTED', `postgres: schema ${schema} is at migration ${newest}, newer than this herald knows (${known}); upgrade herald`, {
        details: { schema, schemaVersion: newest, supported: known },
      });
    }
    for (const m of migrations) {
      if (versions.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql(s, schema));
        await client.query(`INSERT INTO ${s}.herald_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(m.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`herald-migrate:${schema}`]);
  }
  return applied;
}
