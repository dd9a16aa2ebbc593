/**
 * How the console recognises a value it must not show as data:
 * - an object whose only member is `$redacted` (the server withheld it; its value, when a
 *   string, says why: `{"$redacted": "pii"}`);
 * - a field encrypted by herald's PII support (`hpii:v1:<subject>:<ciphertext>`): a blob that
 *   would look like data, shown as `redacted (pii)`;
 * - a field an event lists as encrypted (`heraldpii`) or as shredded (`heraldshredded`: its
 *   subject was forgotten, the field is gone), shown as `redacted (pii)` / `redacted (forgotten)`.
 * Such a value is shown as redacted, never as data, and a payload holding one cannot be edited
 * and redriven (the edit would replace ciphertext with a marker or plaintext).
 */
import type { CloudEvent } from './wire.js';

export const REDACTED_MARKER = '$redacted';
/** The same as `ENCRYPTED_FIELD_PATTERN` in src/security/pii.ts (test/console checks they agree). */
export const ENCRYPTED_FIELD = /^hpii:v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/;
/** The event extensions of src/security/pii.ts: the paths of data encrypted, and of data shredded. */
export const PII_EXTENSION = 'heraldpii';
export const SHREDDED_EXTENSION = 'heraldshredded';

type Marker = Record<typeof REDACTED_MARKER, unknown>;
const marker = (why: string): Marker => ({ [REDACTED_MARKER]: why });

export const isEncrypted = (value: unknown): value is string => typeof value === 'string' && ENCRYPTED_FIELD.test(value);

export function isRedacted(value: unknown): value is Marker {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === REDACTED_MARKER;
}

export function redactionLabel(value: Marker): string {
  const why = value[REDACTED_MARKER];
  return typeof why === 'string' && why.length > 0 ? `redacted (${why.slice(0, 40)})` : 'redacted';
}

/** Encrypted strings anywhere in `value` replaced by the marker (a copy; `value` is not changed). */
function maskEncrypted(value: unknown): unknown {
  if (isEncrypted(value)) return marker('pii');
  if (typeof value !== 'object' || value === null || isRedacted(value)) return value;
  if (Array.isArray(value)) return value.map(maskEncrypted);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEncrypted(v)]));
}

const pathsIn = (listed: unknown): string[] => (typeof listed === 'string' && listed.length > 0 ? listed.split(',') : []);

/** Puts `value` at the dotted `path` where its parent object exists. */
function setPath(data: unknown, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop()!;
  let node = data;
  for (const part of parts) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node === 'object' && node !== null && !Array.isArray(node) && last !== '') (node as Record<string, unknown>)[last] = value;
}

/**
 * An event's data as the console shows it: encrypted fields, the fields the event lists as
 * encrypted (`heraldpii`) and as shredded (`heraldshredded`, absent from the data) as markers.
 */
export function shownData(event: Pick<CloudEvent, 'data'> & Record<string, unknown>): unknown {
  const data = maskEncrypted(event.data);
  if (typeof data !== 'object' || data === null) return data;
  for (const path of pathsIn(event[PII_EXTENSION])) setPath(data, path, marker('pii'));
  for (const path of pathsIn(event[SHREDDED_EXTENSION])) setPath(data, path, marker('forgotten'));
  return data;
}

export function containsRedacted(value: unknown): boolean {
  if (isRedacted(value) || isEncrypted(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(containsRedacted);
}

/** True when editing the event's data could corrupt protected fields (or put markers in their place). */
export function holdsProtectedData(event: Pick<CloudEvent, 'data'> & Record<string, unknown>): boolean {
  return pathsIn(event[PII_EXTENSION]).length > 0 || pathsIn(event[SHREDDED_EXTENSION]).length > 0 || containsRedacted(event.data);
}
