/**
 * How the console recognises a value the server withheld: an object whose only member is
 * `$redacted` (its value, when a string, says why: `{"$redacted": "pii"}`). Such a value is
 * shown as redacted, never as data, and a payload holding one cannot be edited and redriven.
 */
export const REDACTED_MARKER = '$redacted';

export function isRedacted(value: unknown): value is Record<typeof REDACTED_MARKER, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === REDACTED_MARKER;
}

export function redactionLabel(value: Record<typeof REDACTED_MARKER, unknown>): string {
  const why = value[REDACTED_MARKER];
  return typeof why === 'string' && why.length > 0 ? `redacted (${why.slice(0, 40)})` : 'redacted';
}

export function containsRedacted(value: unknown): boolean {
  if (isRedacted(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(containsRedacted);
}
