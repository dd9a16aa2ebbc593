import { classifyAppend, revisionConflict, streamDeleted, type FoundEvent } from '../../log/stream-checks.js';
import type { AppendReceipt } from '../../log/types.js';
import type { AppendRequest, AppendResult } from './append-request.js';
import { streamChecksum } from './row-check.js';
import { DELETED, type LocatedRow, type StreamStatements } from './stream-statements.js';
import { ensureTopic, findTopic, type Ctx } from './topics.js';

/**
 * Writes stream appends inside the group commit's transaction: checks the stream (tombstone,
 * retried ids, expected revision), has the caller place the topic rows, then indexes them in
 * `stream_events` with the next revisions and `$all` positions and advances the stream.
 */
export class StreamWriter {
  constructor(private readonly ctx: Ctx, private readonly st: StreamStatements) {}

  /** `place` writes the request's topic rows now and returns their receipts. */
  write(request: AppendRequest, place: () => AppendReceipt[]): AppendResult {
    const part = request.stream!;
    const { st } = this;
    const row = st.byName.get(part.name);
    // An existing stream keeps the topic it was created on.
    if (row) request.topic = row.topic;
    const topicId = row?.topic_id ?? findTopic(this.ctx, request.topic);
    const located = request.ids.map((id) => (topicId === undefined ? undefined : st.locate.get(topicId, id)));
    try {
      if (row?.deleted === 2) throw streamDeleted(part.name);
      if (classifyAppend(part.name, request.topic, request.ids, located.map(found)) === 'retry') return this.retried(request, located as LocatedRow[]);
      const conflict = revisionConflict(part.name, row && { revision: row.revision, deleted: DELETED[row.deleted] }, part.expected);
      if (conflict) throw conflict;
    } catch (error) {
      return { error };
    }
    const receipts = place();
    let revision = row?.revision ?? 0;
    if (receipts.length === 0) {
      part.revision = revision;
      part.globalPosition = row ? st.lastGlobal.get(row.id)! : 0;
      return receipts;
    }
    const streamTopicId = ensureTopic(this.ctx, request.topic);
    const streamId = row?.id ?? st.insert.get(part.name, part.category, streamTopicId)!.id;
    let global = st.head.get()!;
    for (const receipt of receipts) {
      global++;
      revision++;
      st.insertEvent.run(global, streamId, revision, streamTopicId, receipt.position, part.category, streamChecksum(global, revision, receipt.position, part.name, request.topic, part.category));
    }
    st.advance.run(revision, streamId);
    part.revision = revision;
    part.globalPosition = global;
    return receipts;
  }

  /** The original receipts and result of an exact retry; nothing is written. */
  private retried(request: AppendRequest, located: readonly LocatedRow[]): AppendReceipt[] {
    const part = request.stream!;
    let last = located[0]!;
    for (const l of located) if (l.revision! > last.revision!) last = l;
    part.revision = last.revision!;
    part.globalPosition = last.global!;
    return located.map((l, i) => ({ topic: request.topic, id: request.ids[i]!, position: l.position, appendedAt: l.appended_at, duplicate: true }));
  }
}

function found(row: LocatedRow | undefined): FoundEvent {
  return row && { stream: row.stream ?? undefined, revision: row.revision ?? 0, globalPosition: row.global ?? 0 };
}
