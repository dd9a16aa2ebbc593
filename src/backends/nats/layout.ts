import type { Msg, MsgHdrs } from '@nats-io/transport-node';
import type { CloudEvent } from '../../core/envelope.js';
import { HeraldError, invalidArgument } from '../../core/errors.js';
import { headerValue } from './msg-headers.js';
import type { StoredEvent } from '../../log/types.js';

export const HEADER = { msgId: 'Nats-Msg-Id', appendedAt: 'Herald-Appended-At', position: 'Herald-Position' } as const;

/** Where herald keeps what in one namespace (`prefix`). */
export class Layout {
  /** Stream names already worked out (every append and fetch asks). */
  private readonly streams = new Map<string, string>();

  constructor(readonly prefix: string) {}

  /** `orders.eu` → `<prefix>_orders_deu`: '.' is not allowed in stream names, '_' escapes itself. */
  stream(topic: string): string {
    const known = this.streams.get(topic);
    if (known !== undefined) return known;
    const name = `${this.prefix}_${topic.replace(/_/g, '_u').replace(/\./g, '_d')}`;
    if (name.length > 255) throw invalidArgument('topic is too long for a JetStream stream name', { field: 'topic' });
    this.streams.set(topic, name);
    return name;
  }

  subject(topic: string): string { return `${this.prefix}.t.${topic}`; }
  /** Every topic subject: lists herald's topic streams. */
  get topicSubjects(): string { return `${this.prefix}.t.>`; }
  topicOfSubject(subject: string): string { return subject.slice(`${this.prefix}.t.`.length); }
  /** Core NATS notifications of appends (no payload to speak of). */
  notify(topic: string): string { return `${this.prefix}.n.${topic}`; }
  /** Core NATS notices of deleted topics (payload: the topic), so every process forgets its caches. */
  get deletedTopics(): string { return `${this.prefix}.deleted`; }

  /** One stream holds every group's requeued events, one subject per group. */
  get redriveStream(): string { return `${this.prefix}__REDRIVE`; }
  redriveSubject(stream: string, group: string): string { return `${this.prefix}.redrive.${stream}.${group}`; }
  redriveConsumer(stream: string, group: string): string { return `${stream}__${group}`; }

  /** Exclusive groups' locks, one subject per group (group-lock.ts). */
  get lockStream(): string { return `${this.prefix}__LOCKS`; }

  /** Attempt records (`max_msgs_per_subject: 1`), written only when a delivery fails or is handed over. */
  get recordStream(): string { return `${this.prefix}__ATTEMPTS`; }
  recordSubject(stream: string, group: string, source: 'm' | 'r', seq: number): string {
    return `${this.prefix}.attempts.${stream}.${group}.${source}${seq}`;
  }
  groupRecords(stream: string, group: string): string { return `${this.prefix}.attempts.${stream}.${group}.>`; }
}

const LINE_BREAK = /[\r\n]/;

/**
 * One event's message: its JSON body and a header block (`Nats-Msg-Id`, `Herald-Appended-At`),
 * encoded together. The block is written here, as nats.js's `MsgHdrs` would write it (values
 * trimmed, no line breaks), not through `headers()`, which validates and canonicalises each key on
 * every call (~6% of a publish's client CPU): nats.js's publish only calls `encode()` on the
 * headers it is given. Its header parser reads them back as any other.
 */
export function encodeEvent(event: CloudEvent, appendedAt: number): { data: Uint8Array; headers: MsgHdrs } {
  if (LINE_BREAK.test(event.id)) throw new HeraldError('HERALD_E_INVALID_EVENT', 'id must not contain a line break on NATS (it is the Nats-Msg-Id header)', { details: { field: 'id' } });
  const head = `NATS/1.0\r\n${HEADER.msgId}: ${event.id.trim()}\r\n${HEADER.appendedAt}: ${appendedAt}\r\n\r\n`;
  const bytes = Buffer.from(head + JSON.stringify(event));
  const block = bytes.subarray(0, Buffer.byteLength(head));
  return { data: bytes.subarray(block.length), headers: { encode: () => block } as unknown as MsgHdrs };
}

/** The append time herald stamped, or the server's time stamp for a message written by another client. */
export function appendedAtOf(msg: Msg, serverTimeNanos?: number): number {
  const stamped = Number(headerValue(msg, HEADER.appendedAt));
  if (Number.isFinite(stamped) && stamped > 0) return stamped;
  const header = headerValue(msg, 'Nats-Time-Stamp');
  if (header) return Date.parse(header);
  return serverTimeNanos === undefined ? 0 : Math.floor(serverTimeNanos / 1e6);
}

export function decodeStored(topic: string, position: number, msg: Msg, serverTimeNanos?: number): StoredEvent {
  return { topic, position, appendedAt: appendedAtOf(msg, serverTimeNanos), event: msg.json<CloudEvent>() };
}

/** What a JetStream delivery's reply subject tells: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`. */
export interface DeliveryInfo {
  delivered: number;
  streamSeq: number;
  timestampNanos: number;
}

export function deliveryInfo(reply: string): DeliveryInfo | undefined {
  if (!reply.startsWith('$JS.ACK.')) return undefined;
  // Where the dots are (no array of tokens: this runs for every message a consumer gets).
  const dots: number[] = [];
  for (let i = reply.indexOf('.'); i !== -1; i = reply.indexOf('.', i + 1)) dots.push(i);
  // v1 subjects have 9 tokens; v2 ones add a domain and an account hash in front and a token at the end.
  const tokens = dots.length + 1;
  const at = tokens === 9 ? 4 : tokens >= 11 ? 6 : -1;
  if (at < 0) return undefined;
  const token = (n: number): number => Number(reply.slice(dots[n - 1]! + 1, n < dots.length ? dots[n] : reply.length));
  return { delivered: token(at), streamSeq: token(at + 1), timestampNanos: token(at + 3) };
}
