import { Journal, type Tags } from './journal.js';
import type { Session } from './session.js';
import type { StateSnapshot } from './topic-state.js';

/**
 * Snapshots of a topic's state (topic-state.ts), so that opening a topic does not replay its
 * control stream from the first offset: every fetch and settle ever made is a control record,
 * and a replay of all of them made the open time of a topic grow with its history.
 *
 * Every `snapshotEvery` control offsets, the process that proposed the command at that offset
 * writes the state it has after applying it to the topic's snapshot stream (one writer per
 * snapshot, no coordination: the state is the same in every process). A process opening the
 * topic takes the latest snapshot and tails the control stream from the offset after it.
 *
 * The snapshot stream keeps about 20 MB (RabbitMQ drops its oldest segments), so reading it at
 * open stays short; only its latest snapshot matters. The control stream itself is not trimmed:
 * its records stay on disk (RabbitMQ's retention would cut it at a segment, not at a snapshot).
 */
export interface Snapshot {
  /** The control offset of the last command applied to `state`. */
  upTo: number;
  state: StateSnapshot;
}

export const SNAPSHOT_STREAM_ARGUMENTS: Record<string, unknown> = {
  'x-queue-type': 'stream',
  'x-max-length-bytes': 20_000_000,
  'x-stream-max-segment-size-bytes': 2_000_000,
};

/** The snapshot with the highest `upTo` in `stream` (declared if missing), or undefined. */
export async function latestSnapshot(session: Session, stream: string, tags: Tags, timeoutMs: number): Promise<Snapshot | undefined> {
  await session.declareStream(stream, SNAPSHOT_STREAM_ARGUMENTS);
  let latest: Snapshot | undefined;
  const keep = (body: Buffer): void => {
    const snapshot = decodeSnapshot(body);
    if (snapshot && (!latest || snapshot.upTo > latest.upTo)) latest = snapshot;
  };
  // A Journal's propose resolves once its own message came back: everything before it was read.
  const journal = await Journal.open(session, stream, keep, tags, timeoutMs, () => undefined);
  try {
    await journal.propose(Buffer.from('{}'));
  } finally {
    await journal.stop();
  }
  return latest;
}

export function encodeSnapshot(snapshot: Snapshot): Buffer {
  return Buffer.from(JSON.stringify(snapshot));
}

/** A snapshot, or undefined for anything else (the read's own markers, a record of a later version). */
export function decodeSnapshot(body: Buffer): Snapshot | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as Partial<Snapshot> | null;
    if (typeof value !== 'object' || value === null || !Number.isInteger(value.upTo)) return undefined;
    const state = value.state as Partial<StateSnapshot> | undefined;
    if (typeof state !== 'object' || state === null || !Array.isArray(state.groups) || !Array.isArray(state.kept) || !Array.isArray(state.deleted)) return undefined;
    return value as Snapshot;
  } catch {
    return undefined;
  }
}
