/**
 * A consumer worker of consumer-kill-nats.e2e.test.ts (which SIGKILLs it): consumes topic `work`,
 * group `alo`, of a NatsLog opened with `exclusiveGroups`, and writes one line per handled event
 * to stdout (synchronous, so a line is out before the ack that follows it):
 *   H <id> <position> <key> <pid> <attempt> <ms>
 * A handler takes 0–2×<handlerMs> ms (awaited), so a kill finds deliveries in flight. Runs until
 * killed. Usage: node consumer-kill-nats-child.js <servers> <prefix> <ackWaitMs> <handlerMs>
 */
import { openNatsLog } from '../../src/backends/nats/index.js';
import { subscribe } from '../../src/consumer/subscribe.js';
import { keyOf } from '../../src/core/envelope.js';
import { writeLine } from './write-line.js';

const [, , servers, prefix, ackWaitMs, handlerMs] = process.argv;
if (!servers || !prefix || !ackWaitMs || !handlerMs) throw new Error('usage: consumer-kill-nats-child.js <servers> <prefix> <ackWaitMs> <handlerMs>');
const log = await openNatsLog({ servers, prefix, ackWaitMs: Number(ackWaitMs), exclusiveGroups: true });
// Kills make leases lapse, which counts attempts: never dead-letter here.
subscribe(log, 'work', { group: 'alo', requires: ['keyOrder'], pollInterval: 20, lease: 30_000, maxInFlight: 64, concurrency: 8, maxAttempts: 1_000_000 }, async (event, ctx) => {
  await new Promise((r) => setTimeout(r, Math.random() * 2 * Number(handlerMs)));
  writeLine(`H ${event.id} ${ctx.delivery.position} ${keyOf(event) ?? '-'} ${process.pid} ${ctx.delivery.attempt} ${Date.now()}`);
});
writeLine('READY');
