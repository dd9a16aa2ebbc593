export { evolveAll, type Decider, type DomainEvent, type EventOf } from './decider.js';
export { toCloudEvents, toDomainEvent, type EventEnvelope } from './decider-events.js';
export {
  commandHandler, handleCommand, loadState,
  type CommandHandler, type CommandHandlerOptions, type CommandResult, type LoadedState,
} from './command-handler.js';
export { type SnapshotOptions } from './snapshot.js';
export { EventContracts, readAll, readStream, type WithContracts } from './upcast.js';
export { DeciderSpecification, type Given, type Then, type When } from './testing.js';
export { assertSqlDatabase, writeTransaction, type SqlDatabase, type SqlRunResult, type SqlStatement, type SqlTransaction } from './sql.js';
export {
  defineProjection, on, versionedTable,
  type ProjectionContext, type ProjectionDefinition, type ProjectionEventContext, type ProjectionHandler,
  type ProjectionHandlerEntry, type ProjectionSource,
} from './projection.js';
export type { CheckpointRecord, CommitOutcome, CommitRequest, ProjectionFailure, ProjectionStore, VersionRole } from './projection-store.js';
export { sqliteProjectionStore } from './projection-store-sqlite.js';
export { MemoryProjectionStore } from './projection-store-memory.js';
export type { MemoryTx } from './projection-memory-tx.js';
export { startProjection } from './projection-runner.js';
export type { ProjectionRunner, ProjectionRunnerOptions, ProjectionState, ProjectionStatus } from './projection-status.js';
export { activeTable, activeVersion, dropProjectionVersion } from './projection-admin.js';
export { MemoryOutbox, type Outbox, type OutboxRow } from './outbox.js';
export { sqliteOutbox } from './outbox-sqlite.js';
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions, type OutboxRelayStatus, type RelayFailure } from './outbox-relay.js';
export { sqliteInbox, inboxHandler, type SqliteInbox, type InboxRetention } from './inbox-sqlite.js';
export type { AnyProjectionStore, AsyncProjectionStore } from './projection-store.js';
export type { HandlerResult } from './projection.js';
export type { OutboxSource } from './outbox.js';
export { pgProjectionStore } from './projection-store-pg.js';
export { pgOutbox, type PgOutbox } from './outbox-pg.js';
export { pgInbox, pgInboxHandler, type PgInbox } from './inbox-pg.js';
export { pgTransaction, type PgPool, type PgPoolClient, type PgQueryable } from './pg-client.js';
