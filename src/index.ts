export * from './core/index.js';
export type * from './log/types.js';
export { isTransactional } from './log/types.js';
export { deadLetterTopic } from './log/names.js';
export { MemoryLog } from './log/memory/index.js';
export { watchLog, watchdogOf } from './log/watched-log.js';
export type { StallReport, StallLogger, WatchdogOptions, WatchdogStatus } from './log/watchdog.js';
export * from './log/dead-letters.js';
export * from './consumer/index.js';
export { Herald, openHerald, type HeraldOptions, type HeraldContext } from './herald.js';
export type { Publishable, PublishOptions, Publisher } from './publisher.js';
export { followUp } from './publisher.js';
export * from './observability/index.js';
export { hasStreams, categoryOf } from './log/streams.js';
export type {
  StreamStore, StreamLog, ExpectedRevision, StreamAppendOptions, StreamAppendResult, RecordedEvent, ReadStreamOptions,
  ReadAllOptions, StreamMetadata, StreamInfo, DeleteStreamOptions, SnapshotStore, StreamSnapshot,
} from './log/streams.js';
export type { StreamTopic } from './log/stream-checks.js';
export * from './eventstore/index.js';
export {
  COMPATIBILITY_MODES, DEFAULT_COMPATIBILITY, checkCompatibility, SchemaStore, SchemaRegistry, SCHEMAS_TOPIC, schemaUri, contractJsonSchema,
  buildCatalog, FileBlobStore, MemoryBlobStore, checkIn, checkOut, fetchClaims, sweepBlobs, DATAREF_PREFIX, DEFAULT_CLAIM_THRESHOLD,
  type CompatibilityMode, type CompatibilityResult, type BreakingChange, type SchemaVersion, type SchemaSubject, type RegisterOptions,
  type CheckResult, type JsonSchema, type AsyncApiDocument, type CatalogOptions, type BlobStore, type ClaimCheckOptions, type SweepResult,
} from './schema/index.js';
export {
  signEvent, KeyRing, ReplayGuard, replayKey, stripUnsigned, verifySignatures, encryptPii, decryptPii, decryptSensitive, redactSensitive, MemorySubjectKeys,
  SIGNATURE_EXTENSION, TIMESTAMP_EXTENSION, SIGNED_ATTRIBUTES_EXTENSION, PII_EXTENSION, SHREDDED_EXTENSION,
  type SigningKey, type VerifyingKey, type VerifyOptions, type VerifySignaturesOptions, type SubjectKeyStore,
} from './security/index.js';
export { Governance, type GovernanceOptions } from './governance.js';
export * from './workflow/index.js';
export * from './webhooks/index.js';
