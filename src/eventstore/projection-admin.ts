import { HeraldError, invalidArgument } from '../core/errors.js';
import { assertPositiveInt } from '../log/names.js';
import { projectionContext, versionedTable, type ProjectionDefinition } from './projection.js';
import type { AnyProjectionStore, AsyncProjectionStore, CheckpointRecord, ProjectionStore } from './projection-store.js';
import { andThen, type MaybePromise } from './projection-then.js';

/** The version serving reads, or undefined before any version registered (a promise on an async store). */
export function activeVersion(store: ProjectionStore<unknown>, name: string): CheckpointRecord | undefined;
export function activeVersion(store: AsyncProjectionStore<unknown>, name: string): Promise<CheckpointRecord | undefined>;
export function activeVersion(store: AnyProjectionStore<unknown>, name: string): MaybePromise<CheckpointRecord | undefined>;
export function activeVersion(store: AnyProjectionStore<unknown>, name: string): MaybePromise<CheckpointRecord | undefined> {
  return andThen(store.records(name), (records) => records.find((r) => r.role === 'active'));
}

/**
 * The table readers should query now: `base` named for the active version (`orders_by_status_v2`).
 * Read it in the same transaction as the lookup when a switch may happen meanwhile.
 */
export function activeTable(store: ProjectionStore<unknown>, name: string, base: string): string;
export function activeTable(store: AsyncProjectionStore<unknown>, name: string, base: string): Promise<string>;
export function activeTable(store: AnyProjectionStore<unknown>, name: string, base: string): MaybePromise<string>;
export function activeTable(store: AnyProjectionStore<unknown>, name: string, base: string): MaybePromise<string> {
  return andThen(activeVersion(store, name), (active) => {
    if (!active) throw new HeraldError('HERALD_E_NOT_FOUND', `projection ${name} has no active version yet`, { details: { name } });
    return versionedTable(base, active.version);
  });
}

/**
 * Drops a version that no longer serves (building or retired): runs the definition's `drop` hook
 * for that version and deletes its checkpoint, in one transaction. Refuses the active version.
 * A runner still running that version stops at its next commit. False when there was nothing to drop.
 */
export function dropProjectionVersion<Tx>(projection: ProjectionDefinition<Tx>, store: ProjectionStore<Tx>, version: number): boolean;
export function dropProjectionVersion<Tx>(projection: ProjectionDefinition<Tx>, store: AsyncProjectionStore<Tx>, version: number): Promise<boolean>;
export function dropProjectionVersion<Tx>(projection: ProjectionDefinition<Tx>, store: AnyProjectionStore<Tx>, version: number): MaybePromise<boolean>;
export function dropProjectionVersion<Tx>(projection: ProjectionDefinition<Tx>, store: AnyProjectionStore<Tx>, version: number): MaybePromise<boolean> {
  if (typeof projection?.name !== 'string') throw invalidArgument('projection must be a projection definition', { field: 'projection' });
  assertPositiveInt(version, 'version');
  return store.drop(projection.name, version, (tx) => projection.drop?.(projectionContext(tx, projection.name, version)));
}
