import { randomBytes } from 'node:crypto';
import { invalidArgument } from '../core/errors.js';

/**
 * Where the per-data-subject keys of PII encryption live. Unlike the log, a key store must be
 * able to forget for real: `forget` deletes the key so that every field encrypted under it is
 * unreadable from then on (crypto-shredding). The embedded implementation is
 * `openSqliteSubjectKeys` (herald/sqlite): a separate SQLite file with `secure_delete` on.
 */
export interface SubjectKeyStore {
  /** The subject's 32-byte key, made on first use. */
  keyFor(subject: string): Promise<Uint8Array>;
  /** The subject's key, or undefined when it never had one or was forgotten. */
  find(subject: string): Promise<Uint8Array | undefined>;
  /** Deletes the subject's key for good; true when there was one. */
  forget(subject: string): Promise<boolean>;
  close(): Promise<void>;
}

export function assertSubject(subject: unknown, field = 'subject'): asserts subject is string {
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 500) {
    throw invalidArgument(`${field} must be a string of 1-500 characters`, { field });
  }
}

/** Keys in memory, for tests and single-process apps that keep nothing on disk. */
export class MemorySubjectKeys implements SubjectKeyStore {
  private readonly keys = new Map<string, Buffer>();

  keyFor(subject: string): Promise<Uint8Array> {
    assertSubject(subject);
    let key = this.keys.get(subject);
    if (!key) this.keys.set(subject, (key = randomBytes(32)));
    return Promise.resolve(key);
  }

  find(subject: string): Promise<Uint8Array | undefined> {
    assertSubject(subject);
    return Promise.resolve(this.keys.get(subject));
  }

  forget(subject: string): Promise<boolean> {
    assertSubject(subject);
    const key = this.keys.get(subject);
    key?.fill(0);
    return Promise.resolve(this.keys.delete(subject));
  }

  close(): Promise<void> {
    for (const key of this.keys.values()) key.fill(0);
    this.keys.clear();
    return Promise.resolve();
  }
}
