import { HeraldError, invalidArgument } from '../core/errors.js';
import { assertPositiveInt } from '../log/names.js';
import type { SnapshotStore, StreamInfo, StreamStore } from '../log/streams.js';

/**
 * Snapshots for one stream type (one decider): every `every` events the command handler saves the
 * state it reached, and a later load starts from the latest snapshot instead of revision 1.
 */
export interface SnapshotOptions<State> {
  /** Save a snapshot each time the stream's revision crosses a multiple of this. */
  every: number;
  /** Where they are kept (default: the stream store's own, `store.snapshots`). */
  store?: SnapshotStore;
  /** The state's shape version; a snapshot saved under another version is ignored (default 1). */
  version?: number;
  /** State to JSON-compatible data (default: the state as it is). */
  toSnapshot?: (state: State) => unknown;
  /** Back from that data (default: as it is). */
  fromSnapshot?: (data: unknown) => State;
  /** A failed save does not fail the command (its events are appended); it is reported here (default: a process warning). */
  onError?: (error: unknown, stream: string) => void;
}

export interface ResolvedSnapshots<State> {
  every: number;
  store: SnapshotStore;
  version: number;
  toSnapshot: (state: State) => unknown;
  fromSnapshot: (data: unknown) => State;
  onError: (error: unknown, stream: string) => void;
}

export function resolveSnapshots<State>(store: StreamStore, options: SnapshotOptions<State> | undefined): ResolvedSnapshots<State> | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw invalidArgument('snapshots must be an object', { field: 'snapshots' });
  assertPositiveInt(options.every, 'snapshots.every');
  const version = options.version ?? 1;
  assertPositiveInt(version, 'snapshots.version');
  const target = options.store ?? store.snapshots;
  if (!target) throw new HeraldError('HERALD_E_UNSUPPORTED', 'this stream store keeps no snapshots: pass snapshots.store', { details: { field: 'snapshots.store' } });
  for (const name of ['toSnapshot', 'fromSnapshot', 'onError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw invalidArgument(`snapshots.${name} must be a function`, { field: `snapshots.${name}` });
  }
  return {
    every: options.every,
    store: target,
    version,
    toSnapshot: options.toSnapshot ?? ((state) => state),
    fromSnapshot: options.fromSnapshot ?? ((data) => data as State),
    onError: options.onError ?? ((error, stream) => process.emitWarning(`herald: saving the snapshot of stream ${stream} failed: ${error instanceof Error ? error.message : String(error)}`)),
  };
}

/**
 * The latest snapshot still valid for `info`: of this state version, taken after the last soft
 * delete (whose events no longer count) and not ahead of the stream.
 */
export async function loadSnapshot<State>(s: ResolvedSnapshots<State>, stream: string, info: StreamInfo | undefined): Promise<{ state: State; revision: number } | undefined> {
  if (!info) return undefined;
  const snapshot = await s.store.loadSnapshot(stream);
  if (!snapshot || snapshot.version !== s.version || snapshot.revision <= info.softDeletedAt || snapshot.revision > info.revision) return undefined;
  return { state: s.fromSnapshot(snapshot.state), revision: snapshot.revision };
}

/** Saves `state` at `revision` when the append from `before` crossed a multiple of `every`; never throws. */
export async function saveSnapshotIfDue<State>(s: ResolvedSnapshots<State>, stream: string, before: number, revision: number, state: State): Promise<boolean> {
  if (Math.floor(revision / s.every) === Math.floor(before / s.every)) return false;
  try {
    await s.store.saveSnapshot(stream, { revision, version: s.version, state: s.toSnapshot(state) });
    return true;
  } catch (error) {
    s.onError(error, stream);
    return false;
  }
}
