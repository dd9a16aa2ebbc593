export { NatsLog, openNatsLog } from './nats-log.js';
export type { NatsLogOptions } from './options.js';
