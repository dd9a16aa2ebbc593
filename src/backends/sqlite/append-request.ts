import type { ExpectedRevision } from '../../log/streams.js';
import type { AppendReceipt } from '../../log/types.js';

/**
 * One append, serialised when `append` was called (later changes by the caller do not leak in):
 * `events[i]` is event i's JSON, `ids[i]` its id, `keys[i]` its partition key or null, `crcs[i]`
 * the checksum register after its JSON (row-check.ts; the row's numbers are added when it is placed).
 */
export interface AppendRequest {
  topic: string;
  events: string[];
  ids: string[];
  keys: Array<string | null>;
  crcs: number[];
  /** The clock when `append` was called. */
  now: number;
  /** Set on a stream append: its revision check and stream index rows join the same transaction. */
  stream: StreamPart | undefined;
  resolve: (receipts: AppendReceipt[]) => void;
  reject: (error: unknown) => void;
}

/** A request's receipts, or the error that failed it alone (a stream append's revision check). */
export type AppendResult = AppendReceipt[] | { error: unknown };

/** The stream side of an append request; `revision` and `globalPosition` are filled by the transaction. */
export interface StreamPart {
  name: string;
  category: string;
  expected: ExpectedRevision;
  revision: number;
  globalPosition: number;
}
