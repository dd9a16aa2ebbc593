export * from './core/index.js';
export type * from './log/types.js';
export { isTransactional } from './log/types.js';
export { deadLetterTopic } from './log/names.js';
export { MemoryLog } from './log/memory/index.js';
export * from './log/dead-letters.js';
export * from './consumer/index.js';
export { Herald, openHerald, type HeraldOptions, type HeraldContext } from './herald.js';
export type { Publishable, PublishOptions, Publisher } from './publisher.js';
