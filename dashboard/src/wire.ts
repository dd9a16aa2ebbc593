import type { StoredEvent } from '../../src/log/shapes.js';

/**
 * The JSON the console reads from the herald API (see docs/server.md and GET /openapi.json). The
 * record types are the server's own, from its types-only files (built as declarations by
 * dashboard/tsconfig.wire.json); `import type` is erased, so no server code reaches the browser.
 */
export type { CloudEvent } from '../../src/core/cloud-event.js';
export type { DeadLetter, DeadLetterContext, FailureInfo, GroupInfo, Retention, StoredEvent, TopicInfo } from '../../src/log/shapes.js';
export type { Flow, FlowAttempt, FlowHandling, FlowNode } from '../../src/observability/flow.js';

export interface ReadPage { events: StoredEvent[]; next: number | null }
export interface InfoResponse { backend: string; version: string; tenant?: string; keyId?: string; permissions?: string[] }

/** `<topic>.dlq.<group>`: the dead letters of one group on one topic. */
export function parseDeadLetterTopic(name: string): { topic: string; group: string } | undefined {
  const match = /^(.+)\.dlq\.([^.]+)$/.exec(name);
  return match ? { topic: match[1]!, group: match[2]! } : undefined;
}

export const deadLetterTopic = (topic: string, group: string): string => `${topic}.dlq.${group}`;
export const isInternalTopic = (topic: string): boolean => topic.startsWith('herald.');
