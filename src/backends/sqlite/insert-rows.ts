import type Database from 'better-sqlite3';
import { rowChecksum } from './row-check.js';

/** Rows per multi-row statement: one statement run per chunk instead of one per row. */
export const ROWS_PER_INSERT = 64;

/**
 * A statement with a variable number of rows: `prefix`, then `n` copies of `row` (which holds
 * `width` placeholders) joined by commas, then `suffix`. Prepared once per row count when first
 * needed and bound from one flat argument array.
 */
export class MultiRow {
  private readonly statements: Array<Database.Statement<unknown[]> | undefined> = [];

  constructor(private readonly db: Database.Database, private readonly prefix: string, private readonly row: string, readonly width: number, private readonly suffix = '') {}

  /** The statement for `n` rows. */
  statement(n: number): Database.Statement<unknown[]> {
    let st = this.statements[n];
    if (!st) {
      st = this.db.prepare<unknown[]>(this.prefix + new Array<string>(n).fill(this.row).join(', ') + this.suffix);
      this.statements[n] = st;
    }
    return st;
  }

  /** Runs the statement for `args.length / width` rows. */
  run(args: unknown[]): Database.RunResult {
    return this.statement(args.length / this.width).run(args);
  }
}

/** The multi-row statements of a connection. */
export interface MultiRows {
  /** Pending rows of a group, as `putRow` writes them (no error, no override): 7 values a row. */
  putRows: MultiRow;
}

export function prepareMultiRows(db: Database.Database): MultiRows {
  return {
    putRows: new MultiRow(db, `INSERT OR REPLACE INTO inflight (topic_id, grp, position, key, attempt, lease_id, visible_at, last_error, body_override)
      VALUES `, '(?, ?, ?, ?, ?, ?, ?, NULL, NULL)', 7),
  };
}

/**
 * Multi-row INSERTs into `events`. The statement has no ON CONFLICT clause: a duplicate id fails
 * the whole statement (SQLite undoes that statement only, the transaction goes on) and the caller
 * writes that chunk again row by row with the deduplicating statement.
 */
export class RowInserter {
  private readonly rows: MultiRow;

  constructor(db: Database.Database) {
    this.rows = new MultiRow(db, 'INSERT INTO events (topic_id, position, id, appended_at, key, body, crc) VALUES ', '(?, ?, ?, ?, ?, ?, ?)', 7);
  }

  /**
   * Inserts `ids.length` events at positions `first`, `first + 1`...; false (and nothing written)
   * when one of them is already stored (or repeated among them). `crcs` are the bodies' checksum registers.
   */
  insert(topicId: number, first: number, appendedAt: readonly number[], ids: readonly string[], keys: ReadonlyArray<string | null>, bodies: readonly string[], crcs: readonly number[]): boolean {
    const n = ids.length;
    const args = new Array<unknown>(n * 7);
    for (let i = 0, o = 0; i < n; i++, o += 7) {
      args[o] = topicId;
      args[o + 1] = first + i;
      args[o + 2] = ids[i];
      args[o + 3] = appendedAt[i];
      args[o + 4] = keys[i];
      args[o + 5] = bodies[i];
      args[o + 6] = rowChecksum(crcs[i]!, topicId, first + i, appendedAt[i]!);
    }
    try {
      this.rows.run(args);
      return true;
    } catch (error) {
      if (isConstraint(error)) return false;
      throw error;
    }
  }
}

function isConstraint(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}
