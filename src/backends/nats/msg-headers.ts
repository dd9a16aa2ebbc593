import type { Msg } from '@nats-io/transport-node';

/**
 * Header reads on the consume path. nats.js decodes a message's headers into an object on first
 * access (`msg.headers`: a split, then a validated, canonicalised append per header), ~4.5 µs a
 * message, where herald wants one value or the status code: reading them from the header block
 * takes ~0.4 µs. That block is nats.js's private state (`_rdata`, `_msg.hdr`, the 3.x layout): when
 * it is not there, these fall back to `msg.headers` (msg-headers.int.test.ts checks the fast path is
 * taken with the version herald ships with).
 */

interface RawMsg { _rdata?: unknown; _msg?: { hdr?: unknown } }

const decoder = new TextDecoder();
const STATUS_AT = 'NATS/1.0'.length;
const SPACE = 0x20;

/** The header block's bytes; undefined when the message has none; null when they cannot be read here. */
function headerBytes(msg: Msg): Uint8Array | undefined | null {
  const raw = msg as unknown as RawMsg;
  const hdr = raw._msg?.hdr;
  if (typeof hdr !== 'number' || !(raw._rdata instanceof Uint8Array)) return null;
  return hdr > 0 ? raw._rdata.subarray(0, hdr) : undefined;
}

/** The header block as text; undefined when the message has none; null when it cannot be read here. */
function headerBlock(msg: Msg): string | undefined | null {
  const bytes = headerBytes(msg);
  return bytes ? decoder.decode(bytes) : bytes;
}

/** Whether this message's headers are read from its header block (not through `msg.headers`). */
export function readsHeaderBlock(msg: Msg): boolean {
  return headerBlock(msg) !== null;
}

/** The first value of header `name` (exact name, as `msg.headers.get` matches it), or undefined. */
export function headerValue(msg: Msg, name: string): string | undefined {
  const block = headerBlock(msg);
  if (block === null) return msg.headers?.get(name) || undefined;
  if (block === undefined) return undefined;
  const at = block.indexOf(`\r\n${name}:`);
  if (at < 0) return undefined;
  const from = at + name.length + 3;
  const end = block.indexOf('\r\n', from);
  return block.slice(from, end < 0 ? undefined : end).trim();
}

/** A status message's code (`NATS/1.0 404 No Messages` → 404); 0 for a message that carries data. */
export function statusOf(msg: Msg): number {
  const bytes = headerBytes(msg);
  if (bytes === null) return msg.headers?.code ?? 0;
  // `NATS/1.0\r\n` opens a message's headers, `NATS/1.0 404 ...` a status: only then decode.
  if (bytes === undefined || bytes[STATUS_AT] !== SPACE) return 0;
  const block = decoder.decode(bytes);
  const eol = block.indexOf('\r\n');
  const first = eol < 0 ? block : block.slice(0, eol);
  const code = Number.parseInt(first.slice('NATS/1.0'.length), 10);
  return Number.isInteger(code) ? code : 0;
}
