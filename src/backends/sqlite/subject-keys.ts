import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { HeraldError } from '../../core/errors.js';

/**
 * The per-data-subject keys of PII encryption in their own SQLite file, kept apart from the log
 * so they can be deleted for real: `secure_delete` overwrites a deleted key's bytes with zeros,
 * and the rollback journal (not WAL, which would keep old pages until a checkpoint) is removed
 * after each commit. `forget` is crypto-shredding: the key, and every field encrypted under it,
 * is gone. Implements `SubjectKeyStore` (herald's security layer).
 */
export class SqliteSubjectKeys {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], { key: Buffer }>;
  private readonly insert: Database.Statement<[string, Buffer, number]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(readonly path: string) {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS subject_keys (subject TEXT PRIMARY KEY, key BLOB NOT NULL, created_at INTEGER NOT NULL) STRICT');
    this.select = this.db.prepare('SELECT key FROM subject_keys WHERE subject = ?');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO subject_keys (subject, key, created_at) VALUES (?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM subject_keys WHERE subject = ?');
  }

  private check(subject: string): void {
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 500) {
      throw new HeraldError('HERALD_E_INVALID_ARGUMENT', 'subject must be a string of 1-500 characters', { details: { field: 'subject' } });
    }
  }

  keyFor(subject: string): Promise<Uint8Array> {
    this.check(subject);
    const found = this.select.get(subject);
    if (found) return Promise.resolve(found.key);
    this.insert.run(subject, randomBytes(32), Date.now());
    return Promise.resolve(this.select.get(subject)!.key);
  }

  find(subject: string): Promise<Uint8Array | undefined> {
    this.check(subject);
    return Promise.resolve(this.select.get(subject)?.key);
  }

  forget(subject: string): Promise<boolean> {
    this.check(subject);
    return Promise.resolve(this.remove.run(subject).changes > 0);
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

/** Opens (creating if needed) the subject key store at `path`. */
export function openSqliteSubjectKeys(path: string): SqliteSubjectKeys {
  return new SqliteSubjectKeys(path);
}
