/**
 * The history of a multi-process test (several herald processes appending to one topic and
 * consuming one group) for the checker in history.ts. Each process reports its appends in the
 * order it made them (sequentially), and the acks its group accepted with a wall-clock time (one
 * machine clock, so acks of different processes can be merged in time order).
 */
import { keyOf } from '../../src/core/envelope.js';
import type { StoredEvent } from '../../src/log/types.js';
import { check, History, type CheckResult, type Seen } from './history.js';

export interface AppendRecord { id: string; key?: string | undefined; position?: number | undefined }
export interface AckRecord { id: string; position: number; key?: string | undefined; at: number }
export interface ProcessReport { name: string; appends: readonly AppendRecord[]; acks: readonly AckRecord[] }

export interface ProcessCheck {
  topic: string;
  group: string;
  /** What a full read of the topic returned afterwards. */
  stored: readonly Seen[];
  /** The backend claims positions 1, 2, 3... without holes. */
  contiguous: boolean;
  /** The backend keeps key order across consumers (else the group's ack order is not checked per key). */
  keyOrder: boolean;
}

/**
 * Builds the history and checks it: every append acked (invoke, then ok: a process's appends are
 * sequential, so its own order per key must hold; processes share keys but not a clock for
 * appends, hence the order domain `process/key`), the full read, and the group's accepted acks as
 * an exactly-once group (an event acked twice is a duplicate).
 */
export function checkProcesses(reports: readonly ProcessReport[], options: ProcessCheck): CheckResult {
  const history = new History();
  for (const r of reports) {
    for (const a of r.appends) {
      history.invoke(r.name, options.topic, `${r.name}/${a.key ?? a.id}`, a.id);
      history.ok(a.id, a.position);
    }
  }
  history.read(options.topic, options.stored);
  const acks = reports.flatMap((r) => r.acks).sort((x, y) => x.at - y.at);
  for (const a of acks) {
    history.deliver(options.topic, options.group, { id: a.id, position: a.position, key: options.keyOrder ? a.key ?? a.id : a.id });
  }
  return check(history.ops, { contiguous: options.contiguous, exactlyOnceGroups: [options.group] });
}

/** A full read of `topic` as the checker's `Seen` records. */
export async function readAll(read: AsyncIterable<StoredEvent>): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const e of read) out.push({ position: e.position, id: e.event.id, key: keyOf(e.event) ?? e.event.id });
  return out;
}
