import type Database from 'better-sqlite3';
import { runBitmap } from '../../log/run-bitmap.js';
import { ROWS_PER_INSERT, type MultiRow } from './insert-rows.js';

/**
 * The new events one fetch hands out without a key, stored as one row per fetch (a *run*) instead
 * of one `inflight` row each: a bitmap over positions `first`, `first + 1`... whose set bits are the
 * deliveries still pending, all with that fetch's lease id and expiry, attempt 1, no error. An ack
 * clears a bit; the run goes when none is left. So a consumer that acks what it fetched writes one
 * row per fetch and updates it once per settle call, where it wrote and deleted a row per event.
 *
 * A pending delivery is either an `inflight` row or a set bit in exactly one run, never both. A
 * run becomes `inflight` rows (`explode`) whenever the row form is needed: once its lease expired
 * (at the next fetch, before redelivery looks for visible rows), before retention decides what it
 * may delete. A nack, release or extend of a member moves that member alone into a row.
 * Keyed events always get rows: the per-key ordering queries read `inflight` by key.
 */
export class LeaseRuns {
  private readonly st: RunStatements;

  constructor(db: Database.Database, private readonly putRows: MultiRow) {
    this.st = prepareRunStatements(db);
  }

  /** Records the keyless new deliveries of one fetch (positions ascending, not empty). */
  record(topicId: number, grp: number, leaseId: number, visibleAt: number, positions: readonly number[]): void {
    const { first, members } = runBitmap(positions);
    this.st.insert.run(topicId, grp, leaseId, first, visibleAt, members, positions.length);
  }

  /** Turns the group's expired runs into `inflight` rows, so redelivery sees them. */
  explodeExpired(topicId: number, grp: number, now: number): void {
    for (const run of this.st.expired.all(topicId, grp, now)) this.explode(topicId, grp, run);
  }

  /** Turns every run of the topic into `inflight` rows (retention reads rows). */
  explodeTopic(topicId: number): void {
    for (const run of this.st.ofTopic.all(topicId)) this.explode(topicId, run.grp, run);
  }

  /** Forgets the group's runs (a reset; a deleted group's go with it, by a trigger in the schema). */
  clear(topicId: number, grp: number): void {
    this.st.clear.run(topicId, grp);
  }

  /** Takes `position` out of whichever run of the group holds it (requeue replaces it with a row). */
  drop(topicId: number, grp: number, position: number): void {
    const session = this.session(topicId, grp);
    for (const run of this.st.ofGroup.all(topicId, grp)) if (session.remove(run.lease_id, position)) break;
    session.flush();
  }

  /** Membership tests and removals within one transaction; `flush` writes the runs back. */
  session(topicId: number, grp: number): RunSession {
    return new RunSession(this.st, topicId, grp);
  }

  private explode(topicId: number, grp: number, run: RunRow): void {
    let args: unknown[] = [];
    forEachMember(run, (position) => {
      args.push(topicId, grp, position, null, 1, run.lease_id, run.visible_at);
      if (args.length === ROWS_PER_INSERT * 7) { this.putRows.run(args); args = []; }
    });
    if (args.length > 0) this.putRows.run(args);
    this.st.remove.run(topicId, grp, run.lease_id);
  }
}

interface RunRow { lease_id: number; first: number; visible_at: number; members: Buffer; pending: number }
interface LoadedRun { first: number; members: Buffer; pending: number; dirty: boolean }
type S<P extends unknown[], R = unknown> = Database.Statement<P, R>;
interface RunStatements {
  insert: S<[topicId: number, grp: number, leaseId: number, first: number, visibleAt: number, members: Buffer, pending: number]>;
  byLease: S<[topicId: number, grp: number, leaseId: number], RunRow>;
  expired: S<[topicId: number, grp: number, now: number], RunRow>;
  ofGroup: S<[topicId: number, grp: number], RunRow>;
  ofTopic: S<[topicId: number], RunRow & { grp: number }>;
  update: S<[members: Buffer, pending: number, topicId: number, grp: number, leaseId: number]>;
  remove: S<[topicId: number, grp: number, leaseId: number]>;
  clear: S<[topicId: number, grp: number]>;
}

const COLUMNS = 'lease_id, first, visible_at, members, pending';

function prepareRunStatements(db: Database.Database): RunStatements {
  const p = <P extends unknown[], R = unknown>(sql: string): S<P, R> => db.prepare<P, R>(sql);
  return {
    insert: p('INSERT INTO lease_runs (topic_id, grp, lease_id, first, visible_at, members, pending) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    byLease: p(`SELECT ${COLUMNS} FROM lease_runs WHERE topic_id = ? AND grp = ? AND lease_id = ?`),
    expired: p(`SELECT ${COLUMNS} FROM lease_runs WHERE topic_id = ? AND grp = ? AND visible_at <= ?`),
    ofGroup: p(`SELECT ${COLUMNS} FROM lease_runs WHERE topic_id = ? AND grp = ?`),
    ofTopic: p(`SELECT grp, ${COLUMNS} FROM lease_runs WHERE topic_id = ?`),
    update: p('UPDATE lease_runs SET members = ?, pending = ? WHERE topic_id = ? AND grp = ? AND lease_id = ?'),
    remove: p('DELETE FROM lease_runs WHERE topic_id = ? AND grp = ? AND lease_id = ?'),
    clear: p('DELETE FROM lease_runs WHERE topic_id = ? AND grp = ?'),
  };
}

export class RunSession {
  private readonly runs = new Map<number, LoadedRun | undefined>();

  constructor(private readonly st: RunStatements, private readonly topicId: number, private readonly grp: number) {}

  /** True when `position` is a pending member of the run of `leaseId`. */
  has(leaseId: number, position: number): boolean {
    const run = this.load(leaseId);
    return run !== undefined && bitOf(run, position) !== 0;
  }

  /** Removes `position` from the run of `leaseId`; false when it was not a pending member. */
  remove(leaseId: number, position: number): boolean {
    const run = this.load(leaseId);
    if (run === undefined || bitOf(run, position) === 0) return false;
    const i = position - run.first;
    run.members[i >> 3]! &= ~(1 << (i & 7));
    run.pending--;
    run.dirty = true;
    return true;
  }

  flush(): void {
    for (const [leaseId, run] of this.runs) {
      if (!run?.dirty) continue;
      if (run.pending === 0) this.st.remove.run(this.topicId, this.grp, leaseId);
      else this.st.update.run(run.members, run.pending, this.topicId, this.grp, leaseId);
      run.dirty = false;
    }
  }

  private load(leaseId: number): LoadedRun | undefined {
    if (this.runs.has(leaseId)) return this.runs.get(leaseId);
    const row = leaseId === 0 ? undefined : this.st.byLease.get(this.topicId, this.grp, leaseId);
    const run = row && { first: row.first, members: row.members, pending: row.pending, dirty: false };
    this.runs.set(leaseId, run);
    return run;
  }
}

function bitOf(run: { first: number; members: Buffer }, position: number): number {
  const i = position - run.first;
  if (i < 0 || i >= run.members.length * 8) return 0;
  return run.members[i >> 3]! & (1 << (i & 7));
}

function forEachMember(run: RunRow, f: (position: number) => void): void {
  for (let byte = 0; byte < run.members.length; byte++) {
    const bits = run.members[byte]!;
    if (bits === 0) continue;
    for (let b = 0; b < 8; b++) if (bits & (1 << b)) f(run.first + byte * 8 + b);
  }
}
