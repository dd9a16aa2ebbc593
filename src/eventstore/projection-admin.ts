import { HeraldError, invalidArgument } from '../core/errors.js';
import { assertPositiveInt } from '../log/names.js';
import { projectionContext, versionedTable, type ProjectionDefinition } from './projection.js';
import type { CheckpointRecord, ProjectionStore } from './projection-store.js';

/** The version serving reads, or undefined before any version registered. */
export function activeVersion(store: ProjectionStore<unknown>, name: string): CheckpointRecord | undefined {
  return store.records(name).find((r) => r.role === 'active');
}

/**
 * The table readers should query now: `base` named for the active version (`orders_by_status_v2`).
 * Read it in the same transaction as the lookup when a switch may happen meanwhile.
 */
export function activeTable(store: ProjectionStore<unknown>, name: string, base: string): string {
  const active = activeVersion(store, name);
  if (!active) throw new HeraldError('HERALD_E_NOT_FOUND', `projection ${name} has no active version yet`, { details: { name } });
  return versionedTable(base, active.version);
}

/**
 * Drops a version that no longer serves (building or retired): runs the definition's `drop` hook
 * for that version and deletes its checkpoint, in one transaction. Refuses the active version.
 * A runner still running that version stops at its next commit. False when there was nothing to drop.
 */
export function dropProjectionVersion<Tx>(projection: ProjectionDefinition<Tx>, store: ProjectionStore<Tx>, version: number): boolean {
  if (typeof projection?.name !== 'string') throw invalidArgument('projection must be a projection definition', { field: 'projection' });
  assertPositiveInt(version, 'version');
  return store.drop(projection.name, version, (tx) => projection.drop?.(projectionContext(tx, projection.name, version)));
}
