import Database from 'better-sqlite3';
import { HeraldError } from '../../core/errors.js';

/**
 * Checks, at open, that herald's tables in the file have the shape its DDL gives them: columns
 * (name, type, NOT NULL, default, primary key), indexes (unique, partial, their columns) and
 * triggers. The schema is text in sqlite_master that quick_check does not judge: a flipped bit
 * there (`id INTEGER PRIMARY KEY` losing its rowid alias, a NOT NULL dropped) otherwise surfaces
 * later as an odd constraint error on a write, or as wrong rows. Compared structurally, through
 * pragmas, against an in-memory database made from the same DDL, so files migrated from older
 * versions (other whitespace, columns added by ALTER TABLE) compare equal. Other tables in the
 * file (an application's own, written with `ackWith`) are not looked at.
 */
let reference: Map<string, string> | undefined;

function shapes(db: Database.Database, only?: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  const objects = db.prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name NOT LIKE 'sqlite_%'").raw().all() as Array<[string, string, string]>;
  for (const [type, name, table] of objects) {
    const key = `${type} ${name}`;
    if (only && !only.has(key)) continue;
    if (type === 'trigger') { out.set(key, table); continue; }
    const columns = db.prepare('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid').raw().all(name);
    const indexes = (db.prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name').raw().all(name) as Array<[string, ...unknown[]]>)
      .map((index) => [...index, db.prepare('SELECT name, "desc", coll, key FROM pragma_index_xinfo(?) ORDER BY seqno').raw().all(index[0])]);
    out.set(key, JSON.stringify([columns, indexes]));
  }
  return out;
}

export function checkSchemaShape(db: Database.Database, ddl: string, path: string): void {
  if (!reference) {
    const fresh = new Database(':memory:');
    try { fresh.exec(ddl); reference = shapes(fresh); } finally { fresh.close(); }
  }
  const actual = shapes(db, new Set(reference.keys()));
  for (const [key, want] of reference) {
    if (actual.get(key) === want) continue;
    throw new HeraldError('HERALD_E_CORRUPT', `sqlite: ${path}: ${key} does not have the shape herald gives it (a damaged schema, or not herald's file); refusing to open it`, {
      details: { path, object: key },
    });
  }
}
