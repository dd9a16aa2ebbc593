import { keyOf, type CloudEvent } from '../../core/envelope.js';
import { timeOf } from '../../log/names.js';
import { consecutiveReceipts } from '../../log/receipts.js';
import type { AppendReceipt, Delivery, SettleOutcome, Settlement, StartFrom, StoredEvent } from '../../log/types.js';

/** Translations between herald's values and the scripts' arguments and replies. */

/** A topic's stream key; its other keys start with it (the braces make the cluster hash tag). */
export const streamKey = (prefix: string, topic: string): string => `${prefix}:t:{${topic}}`;
export const registryKey = (prefix: string): string => `${prefix}:topics`;
export const channelOf = (stream: string): string => `${stream}:n`;

/** Positions past this cannot exist (the log would never reach them); larger ones are clamped to it. */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;
export const clampPosition = (position: number): number => Math.min(position, MAX_POSITION);

/** A start point as the scripts' (kind, value) pair. */
export function startArgs(from: StartFrom): [string, string | number] {
  if (from === 'earliest' || from === 'latest') return [from, ''];
  if ('position' in from) return ['position', clampPosition(from.position)];
  return ['time', timeOf(from)];
}

/** An event's key as the scripts take it: '' for none, else '#' and the key. */
export const keyArg = (event: CloudEvent): string => {
  const key = keyOf(event);
  return key === undefined ? '' : `#${key}`;
};

export function appendArgs(now: number, events: readonly CloudEvent[]): (string | number)[] {
  const args: (string | number)[] = [now];
  for (const event of events) args.push(event.id, keyArg(event), JSON.stringify(event));
  return args;
}

/**
 * The append script's answer: [first position, appendedAt] when every event was new (they follow
 * one another), else three values per event (position, appendedAt, duplicate 0|1).
 */
export function receiptsOf(topic: string, events: readonly CloudEvent[], reply: unknown): AppendReceipt[] {
  const flat = reply as (number | string)[];
  if (flat.length === 2) return consecutiveReceipts(topic, events, Number(flat[0]), Number(flat[1]));
  return events.map((event, i) => ({
    topic, id: event.id, position: Number(flat[3 * i]), appendedAt: Number(flat[3 * i + 1]), duplicate: Number(flat[3 * i + 2]) === 1,
  }));
}

export function settleArgs(group: string, now: number, settlements: readonly Settlement[]): (string | number)[] {
  if (settlements.every((s) => s.kind === 'ack' && Number.isSafeInteger(s.leaseId) && s.leaseId >= 0)) return [group, now, ackRuns(settlements)];
  const list = settlements.map((s) => {
    const ms = s.kind === 'nack' ? s.delayMs : s.kind === 'extend' ? s.leaseMs : 0;
    const error = s.kind === 'nack' && s.error ? JSON.stringify(s.error) : '';
    return [s.kind, clampPosition(s.position), s.leaseId, ms, error];
  });
  return [group, now, JSON.stringify(list)];
}

/** Acks as the settle script reads them without JSON: 'A', then '<leaseId>:<position>,...;' per run of one lease, in order. */
function ackRuns(acks: readonly Settlement[]): string {
  let out = 'A';
  let lease: number | undefined;
  for (const a of acks) {
    if (a.leaseId !== lease) { out += `${lease === undefined ? '' : ';'}${a.leaseId}:`; lease = a.leaseId; } else out += ',';
    out += clampPosition(a.position);
  }
  return out;
}

/** The settle script's answer, one letter per settlement ('o' ok, 's' stale). */
export function outcomesOf(reply: unknown): SettleOutcome[] {
  return Array.from(String(reply), (c) => (c === 'o' ? 'ok' : 'stale'));
}

type FetchReply = [leaseId: number, leaseUntil: number, again: (number | string)[], fresh: (number | string)[]];

/**
 * The fetch script's answer: five values per redelivery (position, attempt, appendedAt, json,
 * lastError), then three per new entry (position, appendedAt, json: attempt 1, no error).
 */
export function deliveriesOf(topic: string, group: string, reply: unknown): Delivery[] {
  const [leaseIdValue, leaseUntilValue, again, fresh] = reply as FetchReply;
  const leaseId = Number(leaseIdValue);
  const leaseUntil = Number(leaseUntilValue);
  const out: Delivery[] = [];
  const delivery = (position: unknown, attempt: number, appendedAt: unknown, json: unknown): Delivery => ({
    topic, position: Number(position), appendedAt: Number(appendedAt), event: JSON.parse(String(json)) as CloudEvent, group, attempt, leaseId, leaseUntil,
  });
  for (let i = 0; i < again.length; i += 5) {
    const d = delivery(again[i], Number(again[i + 1]), again[i + 2], again[i + 3]);
    const lastError = String(again[i + 4]);
    if (lastError !== '') d.lastError = JSON.parse(lastError) as Delivery['lastError'];
    out.push(d);
  }
  for (let i = 0; i < fresh.length; i += 3) out.push(delivery(fresh[i], 1, fresh[i + 1], fresh[i + 2]));
  return out.sort((a, b) => a.position - b.position);
}

/** A stream entry `[id, [field, value, ...]]` as a stored event. */
export function storedOf(topic: string, [id, flat]: [string, string[]]): StoredEvent {
  let at = '';
  let json = '';
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === 'at') at = flat[i + 1]!;
    else if (flat[i] === 'e') json = flat[i + 1]!;
  }
  return { topic, position: Number.parseInt(id, 10), appendedAt: Number(at), event: JSON.parse(json) as CloudEvent };
}
