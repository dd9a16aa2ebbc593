import { invalidArgument } from '../core/errors.js';
import type { JsonSchema } from './json-schema.js';
import { incompatibilities, type Change } from './subsumes.js';

/**
 * Compatibility modes, as in Confluent's Schema Registry. BACKWARD: consumers on the new
 * version read events written with the previous one (upgrade consumers first). FORWARD:
 * consumers still on the previous version read events written with the new one (upgrade
 * producers first). FULL: both. `_TRANSITIVE`: against every earlier version, not only the
 * latest. NONE: no check.
 */
export const COMPATIBILITY_MODES = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const;
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];
export const DEFAULT_COMPATIBILITY: CompatibilityMode = 'BACKWARD';

export function assertCompatibilityMode(value: unknown, field = 'compatibility'): asserts value is CompatibilityMode {
  if (typeof value !== 'string' || !(COMPATIBILITY_MODES as readonly string[]).includes(value)) {
    throw invalidArgument(`${field} must be one of ${COMPATIBILITY_MODES.join(', ')}, got ${JSON.stringify(value)}`, { field });
  }
}

export interface VersionedSchema {
  version: number;
  schema: JsonSchema;
}

/** One breaking change, against one earlier version, in one direction. */
export interface BreakingChange extends Change {
  /** The earlier version it breaks against. */
  against: number;
  /** backward: the new version cannot read the old one's events; forward: the reverse. */
  direction: 'backward' | 'forward';
}

export interface CompatibilityResult {
  compatible: boolean;
  mode: CompatibilityMode;
  changes: BreakingChange[];
  /** One line per change, e.g. `BACKWARD with v1: data.email: required field added: ...`. */
  reasons: string[];
}

/**
 * Checks `candidate` against the earlier versions (`previous`, any order) under `mode`.
 * Each change says where (the field path), what (kind) and why, in plain words.
 */
export function checkCompatibility(mode: CompatibilityMode, candidate: VersionedSchema, previous: readonly VersionedSchema[]): CompatibilityResult {
  assertCompatibilityMode(mode, 'mode');
  const sorted = [...previous].sort((a, b) => a.version - b.version);
  const against = mode === 'NONE' ? [] : mode.endsWith('_TRANSITIVE') ? sorted : sorted.slice(-1);
  const backward = mode.startsWith('BACKWARD') || mode.startsWith('FULL');
  const forward = mode.startsWith('FORWARD') || mode.startsWith('FULL');
  const label = (v: number): string => `v${v}`;
  const changes: BreakingChange[] = [];
  for (const old of against) {
    if (backward) {
      for (const c of incompatibilities(old.schema, candidate.schema, { writer: label(old.version), reader: label(candidate.version) })) {
        changes.push({ ...c, against: old.version, direction: 'backward' });
      }
    }
    if (forward) {
      for (const c of incompatibilities(candidate.schema, old.schema, { writer: label(candidate.version), reader: label(old.version) })) {
        changes.push({ ...c, against: old.version, direction: 'forward' });
      }
    }
  }
  const reasons = changes.map((c) => `${c.direction === 'backward' ? 'BACKWARD' : 'FORWARD'} with v${c.against}: ${c.path}: ${c.message}`);
  return { compatible: changes.length === 0, mode, changes, reasons };
}
