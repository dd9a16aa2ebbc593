import { InvalidArgumentError } from 'commander';
import { isHeraldError } from '../core/errors.js';
import { assertGroup, assertTopic } from '../log/names.js';
import type { StartFrom } from '../log/types.js';

/**
 * Argument parsers shared by the verbs. They throw commander's InvalidArgumentError, so a bad
 * argument is reported by commander as a usage error (exit code 2).
 */

const POSITION = /^[1-9]\d*$/;
const AGO = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A position or a time: what --until and `groups reset --to` accept besides earliest/latest. */
export type Point = { position: number } | { time: number };

function usage(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}

/** `12` (a position), `2026-05-01T10:00:00Z` (an ISO time) or `15m` (that long ago). */
export function parsePoint(value: string, now = Date.now()): Point {
  if (POSITION.test(value)) {
    const position = Number(value);
    if (!Number.isSafeInteger(position)) throw usage(`position ${value} is too large`);
    return { position };
  }
  const ago = AGO.exec(value);
  if (ago) {
    const time = now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS];
    if (!Number.isSafeInteger(time)) throw usage(`age ${value} is too large`);
    return { time };
  }
  if (ISO_DATE.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return { time };
  }
  throw usage(`expected a position (e.g. 42), an ISO time (e.g. 2026-05-01T10:00:00Z) or an age (e.g. 15m), got ${JSON.stringify(value)}`);
}

/** `earliest`, `latest`, a position, an ISO time or an age. */
export function parseFrom(value: string): StartFrom {
  if (value === 'earliest' || value === 'latest') return value;
  try {
    return parsePoint(value);
  } catch {
    throw usage(`expected earliest, latest, a position (e.g. 42), an ISO time (e.g. 2026-05-01T10:00:00Z) or an age (e.g. 15m), got ${JSON.stringify(value)}`);
  }
}

export function parsePosition(value: string): number {
  if (!POSITION.test(value) || !Number.isSafeInteger(Number(value))) throw usage(`expected a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function parseTopic(value: string): string {
  try {
    assertTopic(value);
  } catch (error) {
    if (isHeraldError(error)) throw usage(error.message);
    throw error;
  }
  return value;
}

export function parseGroup(value: string): string {
  try {
    assertGroup(value);
  } catch (error) {
    if (isHeraldError(error)) throw usage(error.message);
    throw error;
  }
  return value;
}

/** For repeatable `--type a --type b` (or `--type a,b`). */
export function collectTypes(value: string, previous: string[] = []): string[] {
  const types = value.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (types.length === 0) throw usage('expected an event type');
  return [...previous, ...types];
}

/** How a --from or --to value reads back in messages. */
export function describeStart(from: StartFrom): string {
  if (typeof from === 'string') return from;
  if ('position' in from) return `position ${from.position}`;
  return new Date(from.time instanceof Date ? from.time.getTime() : from.time).toISOString();
}
