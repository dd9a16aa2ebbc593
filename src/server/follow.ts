import type { EventLog, StartFrom, StoredEvent } from '../log/types.js';

/**
 * Resolves after an append to `topic` by this process, after `ms` (appends by other processes
 * are found by that poll), or when `signal` aborts — whichever comes first. Never rejects.
 */
export function waitForAppend(log: EventLog, topic: string, ms: number, signal: AbortSignal, listen = true): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    let off: () => void = () => undefined;
    const done = (): void => {
      clearTimeout(timer);
      off();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    if (!listen) return;
    try {
      off = log.onAppend(topic, done);
    } catch {
      done();
    }
  });
}

const PAGE = 256;

/**
 * Streams a topic from `start` and then live, forever (until `signal` aborts): each page is a
 * fresh bounded read, so a slow consumer holds no backlog in memory. `latest` is pinned to
 * the head at the start, so nothing appended after the call is missed.
 */
export async function* follow(log: EventLog, topic: string, start: StartFrom, signal: AbortSignal, pollMs: number): AsyncGenerator<StoredEvent> {
  let from: StartFrom = start;
  // Listening for appends makes a topic exist on some backends: a reader only listens to topics that do.
  const info = await log.topicInfo(topic);
  let exists = info !== undefined;
  if (from === 'latest') from = { position: (info?.head ?? 0) + 1 };
  while (!signal.aborted) {
    let got = 0;
    for await (const stored of log.read(topic, { from, limit: PAGE })) {
      got++;
      from = { position: stored.position + 1 };
      yield stored;
      if (signal.aborted) return;
    }
    if (got >= PAGE) continue;
    exists ||= (await log.topicInfo(topic)) !== undefined;
    // Until the topic exists there is nothing to listen to: look again soon (a cheap lookup).
    await waitForAppend(log, topic, exists ? pollMs : Math.min(pollMs, 50), signal, exists);
  }
}
