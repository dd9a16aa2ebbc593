export * from './core/index.js';
export type * from './log/types.js';
export { isTransactional } from './log/types.js';
export { deadLetterTopic } from './log/names.js';
export { MemoryLog } from './log/memory/index.js';
export * from './log/dead-letters.js';
export * from './consumer/index.js';
export { Herald, openHerald, type HeraldOptions, type HeraldContext } from './herald.js';
export type { Publishable, PublishOptions, Publisher } from './publisher.js';
export * from './observability/index.js';
export { hasStreams, categoryOf } from './log/streams.js';
export type {
  StreamStore, StreamLog, ExpectedRevision, StreamAppendOptions, StreamAppendResult, RecordedEvent, ReadStreamOptions,
  ReadAllOptions, StreamMetadata, StreamInfo, DeleteStreamOptions, SnapshotStore, StreamSnapshot,
} from './log/streams.js';
export type { StreamTopic } from './log/stream-checks.js';
export * from './eventstore/index.js';
