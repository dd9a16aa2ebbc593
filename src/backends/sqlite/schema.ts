import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HeraldError } from '../../core/errors.js';
import { fromOpen } from './errors.js';
import { checkSchemaShape } from './schema-check.js';

/**
 * Bumped on every incompatible change; a file written by a newer herald is refused, not guessed at.
 * 2: pending deliveries may live in `lease_runs`, which a version-1 herald would not see (it would
 * lose them), so version 1 must refuse such a file. Migration 1 → 2: create the table.
 * 3: events and stream index rows carry a checksum (`crc`, see row-check.ts and
 * docs/adr/0007-event-checksums.md). Migration 2 → 3: add the columns; rows written before stay
 * NULL and are read unverified.
 */
export const SCHEMA_VERSION = 3;

/**
 * One file. Streams are an index over topic events: `stream_events` maps each stream revision and
 * `$all` position (`global`) to the topic row holding the event; the tables were added without a
 * version bump, so files written before them open and gain them (CREATE TABLE IF NOT EXISTS).
 * `events` keeps its rowid (a second b-tree for the (topic_id, position) key): measured
 * slightly slower than WITHOUT ROWID for ~400-byte rows but much faster once rows pass ~1 KB,
 * where WITHOUT ROWID rows spill into overflow pages (see docs/adr/0001-sqlite-durability.md).
 * `inflight_by_held_key` replaced `inflight_by_key` (same columns, every row): a row without a key
 * never needs it, so it is partial. `lease_runs` holds the keyless new deliveries of one fetch as
 * one row (see lease-runs.ts and docs/adr/0004-embedded-performance-round-2.md); a trigger takes
 * a group's runs with the group, whoever deletes it (group ids may be reused).
 */
const DDL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS topics (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  head INTEGER NOT NULL DEFAULT 0,
  count INTEGER NOT NULL DEFAULT 0,
  retention TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS events (
  topic_id INTEGER NOT NULL,
  position INTEGER NOT NULL,
  id TEXT NOT NULL,
  appended_at INTEGER NOT NULL,
  key TEXT,
  body TEXT NOT NULL,
  crc INTEGER,
  PRIMARY KEY (topic_id, position)
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_id ON events (topic_id, id);
CREATE TABLE IF NOT EXISTS groups (
  id INTEGER PRIMARY KEY,
  topic_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  cursor INTEGER NOT NULL,
  UNIQUE (topic_id, name)
);
CREATE TABLE IF NOT EXISTS inflight (
  topic_id INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  position INTEGER NOT NULL,
  key TEXT,
  attempt INTEGER NOT NULL,
  lease_id INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  last_error TEXT,
  body_override TEXT,
  PRIMARY KEY (topic_id, grp, position)
) WITHOUT ROWID;
DROP INDEX IF EXISTS inflight_by_key;
CREATE INDEX IF NOT EXISTS inflight_by_held_key ON inflight (topic_id, grp, key, position) WHERE key IS NOT NULL;
CREATE TABLE IF NOT EXISTS lease_runs (
  topic_id INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  lease_id INTEGER NOT NULL,
  first INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  members BLOB NOT NULL,
  pending INTEGER NOT NULL,
  PRIMARY KEY (topic_id, grp, lease_id)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS lease_runs_go_with_their_group AFTER DELETE ON groups BEGIN
  DELETE FROM lease_runs WHERE topic_id = old.topic_id AND grp = old.id;
END;
CREATE TABLE IF NOT EXISTS streams (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  category TEXT NOT NULL,
  topic_id INTEGER NOT NULL,
  revision INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  soft_deleted_at INTEGER NOT NULL DEFAULT 0,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS stream_events (
  global INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  topic_id INTEGER NOT NULL,
  position INTEGER NOT NULL,
  category TEXT NOT NULL,
  crc INTEGER,
  UNIQUE (stream_id, revision),
  UNIQUE (topic_id, position)
);
CREATE INDEX IF NOT EXISTS stream_events_by_category ON stream_events (category, global);
CREATE TABLE IF NOT EXISTS snapshots (
  stream TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('schema_version', ${SCHEMA_VERSION}) ON CONFLICT (key) DO NOTHING;
UPDATE meta SET value = ${SCHEMA_VERSION} WHERE key = 'schema_version' AND value < ${SCHEMA_VERSION};
INSERT INTO meta (key, value) VALUES ('lease_seq', 0) ON CONFLICT (key) DO NOTHING;
`;

export interface OpenOptions {
  busyTimeoutMs: number;
  integrityCheck: 'quick' | 'full' | 'none';
}

/**
 * Opens (creating if needed) the log's file for the main connection: WAL, no syncs by SQLite
 * itself (the group committer fdatasyncs the WAL off the main thread), no automatic checkpoints
 * (the checkpoint worker runs them with synchronous=FULL).
 */
export function openDatabase(path: string, options: OpenOptions): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    if (options.integrityCheck !== 'none') checkIntegrity(db, path, options.integrityCheck === 'full' ? 'integrity_check' : 'quick_check');
    db.pragma('synchronous = OFF');
    db.pragma('wal_autocheckpoint = 0');
    db.pragma('cache_size = -16384');
    migrate(db, path);
    return db;
  } catch (error) {
    db?.close();
    throw fromOpen(error, path);
  }
}

function checkIntegrity(db: Database.Database, path: string, pragma: 'quick_check' | 'integrity_check'): void {
  const rows = db.pragma(pragma, { simple: false }) as Array<Record<string, string>>;
  const problems = rows.slice(0, 5).map((r) => Object.values(r)[0]);
  if (problems.length === 1 && problems[0] === 'ok') return;
  throw new HeraldError('HERALD_E_CORRUPT', `sqlite: ${path} failed PRAGMA ${pragma}: ${problems.join('; ')}`, { details: { path, problems } });
}

function migrate(db: Database.Database, path: string): void {
  db.transaction(() => {
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").pluck().get() !== undefined;
    if (hasMeta) {
      const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as number | undefined;
      if (version !== undefined && version > SCHEMA_VERSION) {
        throw new HeraldError('HERALD_E_UNSUPPORTED', `sqlite: ${path} has schema version ${version}, newer than this herald supports (${SCHEMA_VERSION}); upgrade herald`, {
          details: { path, schemaVersion: version, supported: SCHEMA_VERSION },
        });
      }
    }
    db.exec(DDL);
    // CREATE TABLE IF NOT EXISTS leaves an older file's tables as they were.
    for (const table of ['events', 'stream_events']) {
      const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
      if (!columns.includes('crc')) db.exec(`ALTER TABLE ${table} ADD COLUMN crc INTEGER`);
    }
    checkSchemaShape(db, DDL, path);
  }).immediate();
}
