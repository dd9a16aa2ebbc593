import type { Retention, StoredEvent } from '../log/types.js';

/**
 * Output helpers: terminal-safe text, aligned tables, JSON. Everything that came from an event
 * or an error goes through `clean`, so a crafted event cannot move the cursor or recolour the
 * terminal; everything that may hold a connection string goes through `redact`.
 */

function unsafe(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/** Escapes control and bidi characters as `\uXXXX`. */
export function clean(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    out += unsafe(code) ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}

/** Hides the password of any `scheme://user:password@host` in `text`. */
export function redact(text: string): string {
  return text.replace(/(\/\/[^/\s:@]*):[^@\s/]*@/g, '$1:***@');
}

/** One line: newlines folded, control characters escaped, secrets in URLs hidden. */
export function oneLine(text: string): string {
  return clean(redact(text).replace(/\s*\n\s*/g, ' '));
}

/** An aligned table with a header row; every cell is cleaned. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows].map((r) => r.map((c) => clean(String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

/** `7d`, `12h`, `90s`, `250ms`: the largest unit that divides `ms` exactly. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function formatRetention(retention: Retention): string {
  const parts: string[] = [];
  if (retention.maxAgeMs !== undefined) parts.push(`maxAge ${formatDuration(retention.maxAgeMs)}`);
  if (retention.maxCount !== undefined) parts.push(`maxCount ${retention.maxCount}`);
  return parts.length > 0 ? parts.join(', ') : 'forever';
}

/** The data of an event as compact JSON (binary data as its size); shortened for a terminal. */
export function compactData(stored: StoredEvent, max?: number): string {
  const { event } = stored;
  let text: string;
  if (typeof event.data_base64 === 'string') text = `<binary ${Math.floor((event.data_base64.length * 3) / 4)} bytes>`;
  else if (event.data === undefined) text = '';
  else text = JSON.stringify(event.data) ?? '';
  return max !== undefined && text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `#12  2026-05-01T10:00:00.000Z  order.placed  key=o-1  id=0196…  {"total":42}` */
export function formatEvent(stored: StoredEvent, maxData?: number): string {
  const { event } = stored;
  const key = typeof event.partitionkey === 'string' ? event.partitionkey : '-';
  const parts = [`#${stored.position}`, new Date(stored.appendedAt).toISOString(), event.type, `key=${key}`, `id=${event.id}`, compactData(stored, maxData)];
  return clean(parts.join('  ').trimEnd());
}

/** The NDJSON form of a stored event: delivery metadata beside the unchanged CloudEvent. */
export function eventJson(stored: StoredEvent): string {
  return JSON.stringify({ topic: stored.topic, position: stored.position, appendedAt: stored.appendedAt, event: stored.event });
}

export function json(value: unknown, pretty = false): string {
  return pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}
