import { MemoryOverlay, type MemoryTables, type MemoryTx } from './projection-memory-tx.js';
import {
  assertDroppable, planCommit, planRegister, type CheckpointRecord, type ProjectionStore,
} from './projection-store.js';

/**
 * Read models and checkpoints in memory (tests, examples, caches rebuilt at start). Each batch
 * commits its writes and its checkpoint together, as on sqlite; nothing survives the process.
 */
export class MemoryProjectionStore implements ProjectionStore<MemoryTx> {
  readonly kind = 'memory';
  private readonly tables: MemoryTables = new Map();
  private readonly checkpoints = new Map<string, CheckpointRecord>();

  /** A committed value of the read model (a copy). */
  get<V = unknown>(table: string, key: string): V | undefined {
    return new MemoryOverlay(this.tables).get<V>(table, key);
  }

  /** The committed entries of `table` (copies), in insertion order. */
  entries<V = unknown>(table: string): [string, V][] {
    return new MemoryOverlay(this.tables).entries<V>(table);
  }

  tableNames(): string[] {
    return [...this.tables.keys()].sort();
  }

  register(name: string, version: number, source: string, setup: (tx: MemoryTx) => void, now: number): CheckpointRecord {
    const plan = planRegister(this.records(name), version, source);
    if (!('create' in plan)) return plan;
    this.transact(setup);
    const record: CheckpointRecord = { name, version, source, position: {}, applied: 0, role: plan.create, updatedAt: now };
    this.checkpoints.set(keyOf(name, version), record);
    return structuredClone(record);
  }

  records(name?: string): CheckpointRecord[] {
    return [...this.checkpoints.values()]
      .filter((r) => name === undefined || r.name === name)
      .sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version)
      .map((r) => structuredClone(r));
  }

  commit(request: Parameters<ProjectionStore<MemoryTx>['commit']>[0], work: (tx: MemoryTx) => void): ReturnType<ProjectionStore<MemoryTx>['commit']> {
    const plan = planCommit(this.records(request.name), request);
    if (plan.outcome === 'ok') this.transact(work);
    for (const r of plan.updates) this.checkpoints.set(keyOf(r.name, r.version), r);
    return plan.outcome;
  }

  recordError(name: string, version: number, error: CheckpointRecord['lastError']): void {
    const record = this.checkpoints.get(keyOf(name, version));
    if (!record) return;
    if (error) record.lastError = structuredClone(error); else delete record.lastError;
  }

  drop(name: string, version: number, hook: (tx: MemoryTx) => void): boolean {
    const record = this.checkpoints.get(keyOf(name, version));
    assertDroppable(record, name, version);
    if (!record) return false;
    this.transact(hook);
    this.checkpoints.delete(keyOf(name, version));
    return true;
  }

  /** Runs `work` on a fresh overlay and applies it only if `work` returns. */
  private transact(work: (tx: MemoryTx) => void): void {
    const tx = new MemoryOverlay(this.tables);
    work(tx);
    tx.commit();
  }
}

const keyOf = (name: string, version: number): string => `${name}\u0000${version}`;
