import { invalidArgument } from '../core/errors.js';
import { assertPositiveInt } from './names.js';
import { assertNonNegativeInt, assertStreamName } from './stream-checks.js';
import type { StreamInfo, StreamMetadata, StreamSnapshot } from './streams.js';

/** Stream metadata and snapshots: their validation, and what metadata lets a reader see. */

const METADATA_FIELDS = new Set(['maxAgeMs', 'maxCount', 'truncateBefore', 'custom']);

/** A validated copy of `metadata` with only its set fields (custom data through JSON, as it is stored). */
export function normaliseMetadata(metadata: unknown): StreamMetadata {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw invalidArgument('metadata must be an object', { field: 'metadata' });
  for (const key of Object.keys(metadata)) {
    if (!METADATA_FIELDS.has(key)) throw invalidArgument(`metadata.${key} is not a stream metadata field (maxAgeMs, maxCount, truncateBefore, custom)`, { field: `metadata.${key}` });
  }
  const m = metadata as StreamMetadata;
  const out: StreamMetadata = {};
  if (m.maxAgeMs !== undefined) { assertPositiveInt(m.maxAgeMs, 'metadata.maxAgeMs'); out.maxAgeMs = m.maxAgeMs; }
  if (m.maxCount !== undefined) { assertPositiveInt(m.maxCount, 'metadata.maxCount'); out.maxCount = m.maxCount; }
  if (m.truncateBefore !== undefined) { assertNonNegativeInt(m.truncateBefore, 'metadata.truncateBefore'); out.truncateBefore = m.truncateBefore; }
  if (m.custom !== undefined) {
    if (typeof m.custom !== 'object' || m.custom === null || Array.isArray(m.custom)) throw invalidArgument('metadata.custom must be an object', { field: 'metadata.custom' });
    out.custom = jsonCopy(m.custom, 'metadata.custom') as Record<string, unknown>;
  }
  return out;
}

export function jsonCopy(value: unknown, field: string): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw invalidArgument(`${field} must be JSON-serialisable: ${String(error)}`, { field });
  }
  if (text === undefined) throw invalidArgument(`${field} must be JSON-serialisable`, { field });
  return JSON.parse(text) as unknown;
}

/** The first revision a reader sees: after the last soft delete, `truncateBefore` and `maxCount`. */
export function firstVisibleRevision(info: Pick<StreamInfo, 'revision' | 'softDeletedAt' | 'metadata'>): number {
  const { truncateBefore = 0, maxCount } = info.metadata;
  return Math.max(1, info.softDeletedAt + 1, truncateBefore, maxCount === undefined ? 1 : info.revision - maxCount + 1);
}

/** Events appended before this time are hidden by `maxAgeMs`. */
export function oldestVisibleTime(metadata: StreamMetadata, now: number): number {
  return metadata.maxAgeMs === undefined ? Number.MIN_SAFE_INTEGER : now - metadata.maxAgeMs;
}

export function assertSnapshot(stream: unknown, snapshot: unknown): { stream: string; snapshot: StreamSnapshot; json: string } {
  assertStreamName(stream);
  if (typeof snapshot !== 'object' || snapshot === null) throw invalidArgument('snapshot must be an object', { field: 'snapshot' });
  const s = snapshot as StreamSnapshot;
  assertPositiveInt(s.revision, 'snapshot.revision');
  assertPositiveInt(s.version, 'snapshot.version');
  const state = jsonCopy(s.state, 'snapshot.state');
  return { stream, snapshot: { revision: s.revision, version: s.version, state }, json: JSON.stringify(state) };
}
