export { validate } from './validate.js';
export { timeout } from './timeout.js';
export { dedup, MemoryInbox, type Inbox } from './dedup.js';
export { logging, type Logger, type LoggingOptions } from './logging.js';
