export * from './types.js';
export { subscribe, subscribeTransactional, compose, type TransactionalHandler } from './subscribe.js';
export { consume, type ConsumeOptions, type Message } from './consume.js';
export { backoffDelay } from './backoff.js';
export * from './middleware/index.js';
export { assertCapabilities, type Capability } from './requirements.js';
