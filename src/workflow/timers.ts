import type { Duration } from '../core/duration.js';
import { isHeraldError } from '../core/errors.js';
import { Runner } from '../consumer/runner.js';
import type { Subscription } from '../consumer/types.js';
import type { StreamLog } from '../log/streams.js';
import { H, TERMINAL_TYPES, type TimerScheduledData } from './history.js';
import { historyId, WORKFLOW_TOPIC } from './names.js';
import { historyEvent } from './recorder.js';

/**
 * Durable timers without a timer table: the group `workflow-timers` reads every
 * `workflow.timer.scheduled` event and, while it is not due, gives it back to the log with a retry
 * delay until its due time (a nack). The log keeps that schedule durably, so after a restart the
 * timer comes back when due and fires: `workflow.timer.fired` is appended to its instance (once:
 * its id is derived from the timer). Each timer is its own key, so one instance's long timer does
 * not hold back its others.
 */
export function startTimers(log: StreamLog, source: string, options: { pollInterval: number; concurrency: number; lease: Duration; onError: (error: unknown) => void }): Subscription {
  return new Runner(log, WORKFLOW_TOPIC, {
    group: 'workflow-timers', pollInterval: options.pollInterval, concurrency: options.concurrency, lease: options.lease, maxAttempts: 2 ** 31 - 1,
    backoff: { initial: 50, max: 5_000 }, onError: options.onError,
  }, async (d, _ctx, settle) => {
    if (d.event.type === H.timerScheduled) {
      const { timer, dueAt, stream } = d.event.data as TimerScheduledData;
      const wait = dueAt - Date.now();
      if (wait > 0) { settle.send({ kind: 'nack', position: d.position, leaseId: d.leaseId, delayMs: wait }); return; }
      if (!(await isTerminal(log, stream))) await fire(log, source, stream, timer);
    }
    settle.send({ kind: 'ack', position: d.position, leaseId: d.leaseId });
  });
}

async function fire(log: StreamLog, source: string, stream: string, timer: string): Promise<void> {
  const event = historyEvent(stream, source, { type: H.timerFired, id: historyId(stream, `fired/${timer}`), data: { timer } });
  try {
    await log.streams.appendToStream(stream, [event]);
  } catch (error) {
    // Already fired (an exact retry is a no-op; an append mixing ids is refused): nothing to do.
    if (!isHeraldError(error, 'HERALD_E_INVALID_ARGUMENT')) throw error;
  }
}

export async function isTerminal(log: StreamLog, stream: string): Promise<boolean> {
  for await (const last of log.streams.readStream(stream, { direction: 'backwards', limit: 1 })) return TERMINAL_TYPES.has(last.event.type);
  return false;
}
