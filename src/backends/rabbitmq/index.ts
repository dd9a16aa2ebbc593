import { RabbitLog } from './rabbit-log.js';
import type { RabbitLogOptions } from './options.js';

export { RabbitLog } from './rabbit-log.js';
export type { RabbitLogOptions } from './options.js';
export { dropRabbitNamespace } from './namespace.js';

/** Opens herald's log on a RabbitMQ server (streams; see docs/backends/rabbitmq.md). */
export async function openRabbitLog(options: RabbitLogOptions): Promise<RabbitLog> {
  return RabbitLog.open(options);
}
