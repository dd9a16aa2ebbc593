import { HeraldError, invalidArgument } from '../core/errors.js';

/**
 * Where a projection's checkpoints live: beside its read model, so that the events a batch
 * applies and the position it reaches commit together (or not at all). One record per
 * (name, version). Versions are blue/green: one is `active` (serving reads), newer ones are
 * `building` beside it, and a version that was switched away from is `retired`.
 */
export type VersionRole = 'building' | 'active' | 'retired';

/** A failure, as kept in status and in the checkpoint record. */
export interface ProjectionFailure {
  message: string;
  name?: string;
  code?: string;
  /** The event that failed (absent when reading or committing failed). */
  eventId?: string;
  eventType?: string;
  /** The topic (or `$all`) and position of that event. */
  source?: string;
  position?: number;
  attempts: number;
  at: number;
}

export interface CheckpointRecord {
  name: string;
  version: number;
  /** What the version reads (`topics:orders,payments`, `$all`, `$all:order`). */
  source: string;
  /** Last position applied or passed over, per topic (or `$all`); absent means 0. */
  position: Record<string, number>;
  /** Events applied by this version's handlers, in total. */
  applied: number;
  role: VersionRole;
  updatedAt: number;
  lastError?: ProjectionFailure;
}

export interface CommitRequest {
  name: string;
  version: number;
  /** The position the runner read from: the commit is refused when the record moved meanwhile. */
  expected: Record<string, number>;
  next: Record<string, number>;
  applied: number;
  /** Make this version the active one (it has caught up with the head). */
  activate: boolean;
  now: number;
}

/**
 * `moved`: another runner advanced this version (nothing was written; reload the position).
 * `retired`: the version was switched away from or dropped. `superseded`: a newer version is
 * active. In all three cases `work` did not run or was rolled back.
 */
export type CommitOutcome = 'ok' | 'moved' | 'retired' | 'superseded';

/**
 * A synchronous store (sqlite, memory): its transaction runs inside one call, so handlers, `setup`
 * and `drop` hooks must be synchronous.
 */
export interface ProjectionStore<Tx> {
  readonly kind: string;
  /** Absent or false: handlers returning a promise are refused (they would outlive the transaction). */
  readonly asyncHandlers?: false;
  /**
   * Returns the version's record, creating it when missing (running `setup` in the same
   * transaction). A new version is `active` if no version is, else `building`.
   */
  register(name: string, version: number, source: string, setup: (tx: Tx) => void, now: number): CheckpointRecord;
  /** Every version's record of `name` (of every projection when omitted), by name and version. */
  records(name?: string): CheckpointRecord[];
  /** Runs `work(tx)` and moves the checkpoint in one transaction; nothing is written unless `ok`. */
  commit(request: CommitRequest, work: (tx: Tx) => void): CommitOutcome;
  /** Records (or clears) the last failure, outside any batch transaction. */
  recordError(name: string, version: number, error: ProjectionFailure | undefined): void;
  /** Runs `hook(tx)` and deletes a non-active version's record in one transaction; false if there was none. */
  drop(name: string, version: number, hook: (tx: Tx) => void): boolean;
}

/**
 * An asynchronous store (PostgreSQL): the same operations, each a promise; its transaction spans
 * awaits, so `work`, `setup` and `hook` may be async and are awaited before the commit.
 */
export interface AsyncProjectionStore<Tx> {
  readonly kind: string;
  readonly asyncHandlers: true;
  register(name: string, version: number, source: string, setup: (tx: Tx) => unknown, now: number): Promise<CheckpointRecord>;
  records(name?: string): Promise<CheckpointRecord[]>;
  commit(request: CommitRequest, work: (tx: Tx) => void | Promise<void>): Promise<CommitOutcome>;
  recordError(name: string, version: number, error: ProjectionFailure | undefined): Promise<void>;
  drop(name: string, version: number, hook: (tx: Tx) => unknown): Promise<boolean>;
}

/** Either kind of store: what the runner works with. */
export type AnyProjectionStore<Tx> = ProjectionStore<Tx> | AsyncProjectionStore<Tx>;

/** What `register` does, given the records of the name: return, create (with a role) or refuse. */
export function planRegister(records: readonly CheckpointRecord[], version: number, source: string): CheckpointRecord | { create: VersionRole } {
  const mine = records.find((r) => r.version === version);
  const name = records[0]?.name ?? '';
  if (mine) {
    if (mine.source !== source) {
      throw invalidArgument(`projection ${name} version ${version} was built from ${mine.source}, not ${source}: give a new source a new version`, { field: 'source' });
    }
    return mine;
  }
  const active = records.find((r) => r.role === 'active');
  if (active && active.version > version) {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `projection ${name} version ${version} is older than the active version ${active.version}`, { details: { field: 'version', active: active.version } });
  }
  return { create: active ? 'building' : 'active' };
}

export const samePosition = (a: Record<string, number>, b: Record<string, number>): boolean => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
};

export interface CommitPlan {
  outcome: CommitOutcome;
  /** Records to write (the committing one, and the one it retires). */
  updates: CheckpointRecord[];
}

/** The compare-and-set at the heart of a commit, shared by every store. */
export function planCommit(records: readonly CheckpointRecord[], request: CommitRequest): CommitPlan {
  const mine = records.find((r) => r.version === request.version);
  if (!mine || mine.role === 'retired') return { outcome: 'retired', updates: [] };
  const newer = records.find((r) => r.role === 'active' && r.version > request.version);
  if (newer) return { outcome: 'superseded', updates: [{ ...mine, role: 'retired', updatedAt: request.now }] };
  if (!samePosition(mine.position, request.expected)) return { outcome: 'moved', updates: [] };
  const role: VersionRole = request.activate ? 'active' : mine.role;
  const next: CheckpointRecord = { ...mine, position: { ...request.next }, applied: mine.applied + request.applied, role, updatedAt: request.now };
  delete next.lastError;
  const updates = [next];
  if (role === 'active' && mine.role !== 'active') {
    for (const r of records) if (r.role === 'active') updates.push({ ...r, role: 'retired', updatedAt: request.now });
  }
  return { outcome: 'ok', updates };
}

/** Dropping the serving version would leave readers with nothing. */
export function assertDroppable(record: CheckpointRecord | undefined, name: string, version: number): void {
  if (record?.role === 'active') {
    throw invalidArgument(`projection ${name} version ${version} is active: switch to another version before dropping it`, { field: 'version' });
  }
}

/** A checkpoint as stored in SQL (table `herald_projections`); int8 columns may come back as strings. */
export interface CheckpointRow {
  name: string;
  version: number;
  source: string;
  position: string;
  applied: number | string;
  role: string;
  last_error: string | null;
  updated_at: number | string;
}

export function recordFromRow(row: CheckpointRow): CheckpointRecord {
  const record: CheckpointRecord = {
    name: row.name, version: Number(row.version), source: row.source, position: JSON.parse(row.position) as Record<string, number>,
    applied: Number(row.applied), role: row.role as VersionRole, updatedAt: Number(row.updated_at),
  };
  if (row.last_error !== null) record.lastError = JSON.parse(row.last_error) as ProjectionFailure;
  return record;
}
