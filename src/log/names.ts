import { invalidArgument } from '../core/errors.js';
import type { StartFrom } from './types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
// No dots in group names, so `<topic>.dlq.<group>` always splits one way.
const GROUP = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** The last topic name found valid (appends to one topic ask again and again). */
let validTopic = 'topic'; // a valid name: the check below skips only names that passed it

export function assertTopic(topic: unknown): asserts topic is string {
  if (topic === validTopic) return;
  if (typeof topic !== 'string' || !NAME.test(topic)) {
    throw invalidArgument(`topic must be 1-200 letters, digits, '.', '_' or '-' starting with a letter or digit, got ${JSON.stringify(topic)}`, { field: 'topic' });
  }
  validTopic = topic;
}

export function assertGroup(group: unknown): asserts group is string {
  if (typeof group !== 'string' || !GROUP.test(group)) {
    throw invalidArgument(`group must be 1-100 letters, digits, '_' or '-' starting with a letter or digit, got ${JSON.stringify(group)}`, { field: 'group' });
  }
}

/** The dead-letter topic of one group on one topic. */
export function deadLetterTopic(topic: string, group: string): string {
  return `${topic}.dlq.${group}`;
}

export function isDeadLetterTopic(topic: string): boolean {
  return /\.dlq\.[^.]+$/.test(topic);
}

export function assertPositiveInt(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidArgument(`${field} must be a positive integer, got ${JSON.stringify(value)}`, { field });
  }
}

export function assertStartFrom(from: unknown): asserts from is StartFrom {
  if (from === 'earliest' || from === 'latest') return;
  if (typeof from === 'object' && from !== null) {
    if ('position' in from) return assertPositiveInt((from).position, 'from.position');
    if ('time' in from) {
      const t = (from).time;
      const ms = t instanceof Date ? t.getTime() : t;
      if (typeof ms === 'number' && Number.isFinite(ms)) return;
      throw invalidArgument('from.time must be a Date or milliseconds since epoch', { field: 'from.time' });
    }
  }
  throw invalidArgument(`from must be 'earliest', 'latest', { position } or { time }, got ${JSON.stringify(from)}`, { field: 'from' });
}

export function timeOf(from: { time: number | Date }): number {
  return from.time instanceof Date ? from.time.getTime() : from.time;
}
