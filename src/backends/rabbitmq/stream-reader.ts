import type { HeraldError } from '../../core/errors.js';
import type { Session } from './session.js';

export interface RawEvent { position: number; body: Buffer }

/**
 * Positions `from`..`to` of a stream, read by a temporary consumer that starts at offset
 * `from - 1`; at most `window` messages are buffered (the consumer waits while the reader is behind).
 */
export async function* readRange(session: Session, stream: string, from: number, to: number, window = 256): AsyncGenerator<RawEvent> {
  const buffer: RawEvent[] = [];
  let failure: HeraldError | undefined;
  let done = false;
  let wake: (() => void) | undefined;
  let drained: (() => void) | undefined;
  const signal = (): void => { wake?.(); wake = undefined; };
  const consumer = await session.consume(stream, from - 1, window, async (message, offset) => {
    const position = offset + 1;
    if (done || position < from) return;
    if (position > to) { done = true; signal(); return; }
    buffer.push({ position, body: message.content });
    if (position === to) done = true;
    signal();
    if (buffer.length >= window) await new Promise<void>((resolve) => { drained = resolve; });
  }, (error) => { failure = error; signal(); });
  try {
    for (;;) {
      const next = buffer.shift();
      if (next) {
        if (buffer.length < window / 2) { drained?.(); drained = undefined; }
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  } finally {
    drained?.();
    await consumer.stop();
  }
}
