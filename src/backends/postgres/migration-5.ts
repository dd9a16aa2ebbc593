/**
 * Version 5, topics that can be deleted. A deleted topic keeps its row (and its id) with
 * `deleted = true`, its events, groups and leases gone and its head back at 0: other processes
 * cache topic ids (topics.ts), and an id that never changes cannot go stale in their caches,
 * whatever they were doing when the topic went. The name is listed again once it has events,
 * a group or a retention: the topic was made again (positions from 1).
 */
export const V5 = {
  version: 5,
  name: 'deletable topics',
  sql: (s: string): string => `
ALTER TABLE ${s}.topics ADD COLUMN deleted boolean NOT NULL DEFAULT false;
`,
};

/** Whether a `topics t` row is a topic that exists (not deleted, or made again by an append). */
export const LIVE_TOPIC = '(NOT t.deleted OR t.head > 0)';
