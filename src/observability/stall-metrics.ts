import { watchdogOf } from '../log/watched-log.js';
import type { EventLog } from '../log/types.js';
import type { MetricFamily } from './exposition.js';

/**
 * The stall watchdog's state of each watched log, read at scrape time without calling the
 * backend (a stalled backend would hang the scrape): `herald_backend_stalled` (1 while a call
 * has waited longer than `stallAfter`) and `herald_backend_stalls_total`.
 */
export function collectStallMetrics(logs: Iterable<EventLog>): MetricFamily[] {
  const statuses = [...logs].flatMap((log) => watchdogOf(log)?.status() ?? []);
  if (statuses.length === 0) return [];
  const labels = (backend: string) => [['backend', backend]] as const;
  return [
    { name: 'herald_backend_stalled', help: 'Whether a call to the backend has gone unanswered longer than the watchdog\'s stallAfter (1) or not (0).', type: 'gauge',
      samples: statuses.map((s) => ({ name: 'herald_backend_stalled', labels: labels(s.backend), value: s.stalled ? 1 : 0 })) },
    { name: 'herald_backend_stalls_total', help: 'Stalls of the backend seen since the log was opened.', type: 'counter',
      samples: statuses.map((s) => ({ name: 'herald_backend_stalls_total', labels: labels(s.backend), value: s.stalls })) },
  ];
}

/** Whether the log's watchdog says it is stalled (its scrape-time gauges are then skipped). */
export function isStalled(log: EventLog): boolean {
  return watchdogOf(log)?.status().stalled ?? false;
}
