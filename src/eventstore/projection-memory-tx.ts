import { invalidArgument } from '../core/errors.js';

/**
 * The memory read model: named tables of key → value. Handlers write through a MemoryTx, which
 * buffers its writes and applies them only when the batch commits, so a failed batch leaves no
 * trace (as a rolled-back SQL transaction). Values are copied in and out: mutate a value you got,
 * then `set` it again.
 */
export interface MemoryTx {
  get<V = unknown>(table: string, key: string): V | undefined;
  set(table: string, key: string, value: unknown): void;
  delete(table: string, key: string): void;
  /** Every entry of `table` in insertion order, including this transaction's writes. */
  entries<V = unknown>(table: string): [string, V][];
  dropTable(table: string): void;
}

export type MemoryTables = Map<string, Map<string, unknown>>;

const DELETED = Symbol('deleted');
const copy = <V>(value: V): V => (typeof value === 'object' && value !== null ? structuredClone(value) : value);

function checkName(value: unknown, field: 'table' | 'key'): void {
  if (typeof value !== 'string' || value.length === 0) throw invalidArgument(`${field} must be a non-empty string`, { field });
}

/** A transaction over `base`: reads see its own writes; `commit` applies them. */
export class MemoryOverlay implements MemoryTx {
  private readonly writes = new Map<string, Map<string, unknown>>();
  private readonly dropped = new Set<string>();

  constructor(private readonly base: MemoryTables) {}

  get<V = unknown>(table: string, key: string): V | undefined {
    checkName(table, 'table');
    const written = this.writes.get(table);
    if (written?.has(key)) {
      const value = written.get(key);
      return value === DELETED ? undefined : copy(value as V);
    }
    return this.dropped.has(table) ? undefined : copy(this.base.get(table)?.get(key) as V | undefined);
  }

  set(table: string, key: string, value: unknown): void {
    checkName(table, 'table');
    checkName(key, 'key');
    if (value === undefined) throw invalidArgument('value must not be undefined (use delete)', { field: 'value' });
    this.tableWrites(table).set(key, copy(value));
  }

  delete(table: string, key: string): void {
    checkName(table, 'table');
    this.tableWrites(table).set(key, DELETED);
  }

  entries<V = unknown>(table: string): [string, V][] {
    checkName(table, 'table');
    const merged = new Map(this.dropped.has(table) ? [] : this.base.get(table));
    for (const [key, value] of this.writes.get(table) ?? []) {
      if (value === DELETED) merged.delete(key); else merged.set(key, value);
    }
    return [...merged].map(([key, value]) => [key, copy(value as V)]);
  }

  dropTable(table: string): void {
    checkName(table, 'table');
    this.dropped.add(table);
    this.writes.delete(table);
  }

  commit(): void {
    for (const table of this.dropped) this.base.delete(table);
    for (const [table, writes] of this.writes) {
      let target = this.base.get(table);
      if (!target) this.base.set(table, (target = new Map()));
      for (const [key, value] of writes) {
        if (value === DELETED) target.delete(key); else target.set(key, value);
      }
    }
  }

  private tableWrites(table: string): Map<string, unknown> {
    let writes = this.writes.get(table);
    if (!writes) this.writes.set(table, (writes = new Map()));
    return writes;
  }
}
