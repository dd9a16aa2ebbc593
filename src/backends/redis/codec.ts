import { keyOf, type CloudEvent } from '../../core/envelope.js';
import { timeOf } from '../../log/names.js';
import type { AppendReceipt, Delivery, Settlement, StartFrom, StoredEvent } from '../../log/types.js';

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

export function receiptsOf(topic: string, events: readonly CloudEvent[], reply: unknown): AppendReceipt[] {
  return (reply as [number, string, number][]).map(([position, at, duplicate], i) => ({
    topic, id: events[i]!.id, position: Number(position), appendedAt: Number(at), duplicate: duplicate === 1,
  }));
}

export function settleArgs(group: string, now: number, settlements: readonly Settlement[]): (string | number)[] {
  const args: (string | number)[] = [group, now];
  for (const s of settlements) {
    const ms = s.kind === 'nack' ? s.delayMs : s.kind === 'extend' ? s.leaseMs : 0;
    const error = s.kind === 'nack' && s.error ? JSON.stringify(s.error) : '';
    args.push(s.kind, clampPosition(s.position), s.leaseId, ms, error);
  }
  return args;
}

type FetchReply = [leaseId: number, leaseUntil: number, items: [number, number, string, string, string][]];

export function deliveriesOf(topic: string, group: string, reply: unknown): Delivery[] {
  const [leaseId, leaseUntil, items] = reply as FetchReply;
  return items.map(([position, attempt, at, json, lastError]) => {
    const d: Delivery = {
      topic, position: Number(position), appendedAt: Number(at), event: JSON.parse(json) as CloudEvent,
      group, attempt: Number(attempt), leaseId: Number(leaseId), leaseUntil: Number(leaseUntil),
    };
    if (lastError !== '') d.lastError = JSON.parse(lastError) as Delivery['lastError'];
    return d;
  }).sort((a, b) => a.position - b.position);
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
