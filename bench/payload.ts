/**
 * The one event every system carries: a 256-byte JSON document. `t` is the time (performance.now(),
 * in ms, same process) the event was *scheduled* to be sent, so latency is measured from the
 * schedule, not from when a busy sender got round to it (coordinated omission).
 */
export interface BenchPayload {
  /** Sequence number within one producer's run. */
  seq: number;
  /** Producer index. */
  p: number;
  /** Scheduled send time, performance.now() in ms. */
  t: number;
  pad: string;
}

export const EVENT_BYTES = 256;

function padFor(size: number): string {
  // Sized with typical values: seq of 6 digits, t with 3 decimals in the 100k ms range.
  const probe = JSON.stringify({ seq: 123456, p: 0, t: 123456.789, pad: '' });
  return 'x'.repeat(Math.max(0, size - probe.length));
}

const PAD = padFor(EVENT_BYTES);

/** A fresh payload; `t` defaults to now. */
export function payload(seq: number, producer = 0, t = performance.now()): BenchPayload {
  return { seq, p: producer, t: Math.round(t * 1000) / 1000, pad: PAD };
}

/** What the brokers carry on the wire: the payload as UTF-8 JSON. */
export function encode(p: BenchPayload): Buffer {
  return Buffer.from(JSON.stringify(p));
}

export function decode(data: Uint8Array | string): BenchPayload {
  return JSON.parse(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as BenchPayload;
}
