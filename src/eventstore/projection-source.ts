import { HeraldError } from '../core/errors.js';
import { hasStreams, type RecordedEvent, type StreamStore } from '../log/streams.js';
import type { EventLog, StoredEvent } from '../log/types.js';
import type { ProjectionSource } from './projection.js';

/** The position key of a `$all` source in checkpoints. */
export const ALL = '$all';

export interface SourcedEvent {
  /** The topic, or `$all`. */
  key: string;
  position: number;
  record: StoredEvent | RecordedEvent;
}

export interface SourcePage {
  events: SourcedEvent[];
  /** Where the checkpoint stands once every event of the page is applied (may pass unhandled events). */
  end: Record<string, number>;
  /** The page reached the head seen when it was read. */
  caughtUp: boolean;
}

/** Reads a projection's events in pages from a checkpoint, and says when more may have come. */
export interface SourceReader {
  readonly keys: readonly string[];
  heads(): Promise<Record<string, number>>;
  page(from: Record<string, number>, limit: number): Promise<SourcePage>;
  /** Calls `wake` after appends by this process; returns an unsubscribe. */
  listen(wake: () => void): () => void;
}

interface OnePage<E> { events: E[]; end: number; short: boolean }

/**
 * Reads up to `limit` events after `from`. The head is read first: when the page comes back short,
 * everything up to that head was seen, so the checkpoint may pass the events a filter left out
 * (and lag reaches 0). Safe where positions commit in order, as on the embedded backends.
 */
async function readAfter<E>(
  from: number, limit: number, head: () => Promise<number>, read: (first: number) => AsyncIterable<E>, at: (e: E) => number,
): Promise<OnePage<E>> {
  const top = await head();
  if (top <= from) return { events: [], end: from, short: true };
  const events: E[] = [];
  for await (const e of read(from + 1)) events.push(e);
  const short = events.length < limit;
  const lastEvent = events.at(-1);
  const last = lastEvent === undefined ? from : at(lastEvent);
  return { events, end: short ? Math.max(last, top) : last, short };
}

function topicReader(log: EventLog, topics: readonly string[], types: readonly string[]): SourceReader {
  const head = async (topic: string): Promise<number> => (await log.topicInfo(topic))?.head ?? 0;
  return {
    keys: topics,
    async heads() {
      const heads = await Promise.all(topics.map(head));
      return Object.fromEntries(topics.map((t, i) => [t, heads[i]!]));
    },
    async page(from, limit) {
      const pages = await Promise.all(topics.map((topic) => readAfter(from[topic] ?? 0, limit, () => head(topic),
        (first) => log.read(topic, { from: { position: first }, limit, types }), (e) => e.position)));
      // Across topics, events interleave by append time (per-topic order is what is guaranteed).
      const merged = pages.flatMap((p, i) => p.events.map((record) => ({ key: topics[i]!, position: record.position, record, i })))
        .sort((a, b) => a.record.appendedAt - b.record.appendedAt || a.i - b.i || a.position - b.position)
        .slice(0, limit);
      const end: Record<string, number> = {};
      let caughtUp = true;
      topics.forEach((topic, i) => {
        const page = pages[i]!;
        const taken = merged.filter((e) => e.i === i);
        const all = taken.length === page.events.length;
        end[topic] = all ? page.end : taken.at(-1)?.position ?? from[topic] ?? 0;
        caughtUp &&= all && page.short;
      });
      return { events: merged.map(({ key, position, record }) => ({ key, position, record })), end, caughtUp };
    },
    listen(wake) {
      const offs = topics.map((topic) => log.onAppend(topic, wake));
      return () => offs.forEach((off) => { off(); });
    },
  };
}

function allReader(streams: StreamStore, category: string | undefined, types: readonly string[]): SourceReader {
  return {
    keys: [ALL],
    async heads() {
      return { [ALL]: await streams.headPosition() };
    },
    async page(from, limit) {
      const page = await readAfter(from[ALL] ?? 0, limit, () => streams.headPosition(),
        (first) => streams.readAll({ fromPosition: first, limit, types, ...(category === undefined ? {} : { category }) }), (e) => e.globalPosition);
      const events = page.events.map((record) => ({ key: ALL, position: record.globalPosition, record }));
      return { events, end: { [ALL]: page.end }, caughtUp: page.short };
    },
    listen(wake) {
      return streams.onAppendAll(wake);
    },
  };
}

/** The reader for a projection's source; `$all` needs a log with streams. */
export function sourceReader(source: ProjectionSource, log: EventLog, types: readonly string[]): SourceReader {
  if ('topics' in source) return topicReader(log, source.topics, types);
  if (!hasStreams(log)) {
    throw new HeraldError('HERALD_E_UNSUPPORTED', `the ${log.backend} log keeps no streams: a projection of $all needs one (MemoryLog, SqliteLog)`);
  }
  return allReader(log.streams, source.category, types);
}
