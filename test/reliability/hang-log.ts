/**
 * An embedded log made to hang, for the stall tests of backends without a socket to cut: while
 * `hang()` is on, every call to the log (and every page of a read) waits until `release()`, as
 * if the disk or a lock stopped answering. Nothing is lost: the calls run, late, in order.
 */
import type { EventLog, StoredEvent } from '../../src/log/types.js';

type AnyFn = (...args: unknown[]) => unknown;

// Local calls that must not wait (they never leave the process).
const LOCAL = new Set<PropertyKey>(['onAppend', 'close', 'onTiming', 'ackWith']);

export interface HangingLog {
  log: EventLog;
  hang(): void;
  release(): void;
}

export function hangingLog(target: EventLog): HangingLog {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const wait = (): Promise<void> => gate ?? Promise.resolve();
  const readable = (fn: AnyFn, args: unknown[]): AsyncIterable<StoredEvent> => ({
    [Symbol.asyncIterator]() {
      const it = (fn.apply(target, args) as AsyncIterable<StoredEvent>)[Symbol.asyncIterator]();
      return {
        next: async () => { await wait(); return it.next(); },
        return: async (value?: unknown) => (it.return ? it.return(value) : { done: true as const, value: undefined }),
      };
    },
  });
  const log = new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      const fn = value as AnyFn;
      if (LOCAL.has(prop)) return fn.bind(t);
      if (prop === 'read') return (...args: unknown[]) => readable(fn, args);
      return async (...args: unknown[]) => { await wait(); return fn.apply(t, args); };
    },
  });
  return {
    log,
    hang: () => { gate ??= new Promise((resolve) => { open = resolve; }); },
    release: () => { open?.(); gate = undefined; open = undefined; },
  };
}
