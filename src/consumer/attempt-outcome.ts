// Types only: the browser console shares this file through dashboard/tsconfig.wire.json.

/** How one attempt at a delivery ended: handled, failed and to be retried, dead-lettered, or its lease lost. */
export type AttemptOutcome = 'ok' | 'retry' | 'dead-lettered' | 'stale';
