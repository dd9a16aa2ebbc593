import type { CloudEvent } from '../../core/envelope.js';
import { timeOf } from '../../log/names.js';
import type { Retention, Settlement, StartFrom } from '../../log/types.js';

/** A start point as it travels in a command (a Date becomes milliseconds). */
export type WireStart = 'earliest' | 'latest' | { position: number } | { time: number };

/**
 * What the control stream of a topic records: every change to its groups, retention and
 * deletions, in one order that every process applies alike. `at` is the proposer's clock.
 */
export type Command =
  | { k: 'sync' }
  | { k: 'announce'; head: number }
  /** `head`: what the fetcher's tail had seen; it also counts as an announce (events of a batch whose append failed half-way still reach groups). */
  | { k: 'fetch'; g: string; from: WireStart; max: number; leaseMs: number; at: number; head: number }
  | { k: 'settle'; g: string; s: Settlement[]; at: number }
  | { k: 'requeue'; g: string; p: number; e: CloudEvent }
  | { k: 'reset'; g: string; to: WireStart }
  | { k: 'drop'; g: string }
  | { k: 'retention'; r: Retention }
  | { k: 'trim'; at: number }
  | { k: 'delete'; p: number }
  /** The topic is being deleted: every command after this one fails (deleteTopic, ADR 0009). */
  | { k: 'closed' };

const KINDS = new Set(['sync', 'announce', 'fetch', 'settle', 'requeue', 'reset', 'drop', 'retention', 'trim', 'delete', 'closed']);

export function toWire(from: StartFrom): WireStart {
  if (typeof from === 'object' && 'time' in from) return { time: timeOf(from) };
  return from;
}

export function encodeCommand(command: Command): Buffer {
  return Buffer.from(JSON.stringify(command));
}

/** The command in a control message, or undefined for one this version does not know (skipped by every process alike). */
export function decodeCommand(body: Buffer): Command | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as { k?: unknown };
    return typeof value === 'object' && value !== null && typeof value.k === 'string' && KINDS.has(value.k) ? value as Command : undefined;
  } catch {
    return undefined;
  }
}
