import type { EventLog, StoredEvent } from './types.js';
import { Watchdog, type WatchdogOptions } from './watchdog.js';

const WATCHDOG = Symbol('herald.watchdog');

// The calls that go to the backend and must come back. `onAppend` (local), `ackWith`
// (synchronous) and `close` are not timed.
const TIMED = new Set<PropertyKey>([
  'append', 'fetch', 'settle', 'requeue', 'topics', 'topicInfo', 'groups', 'resetGroup', 'deleteGroup',
  'setRetention', 'applyRetention', 'deleteEvent', 'deleteTopic',
]);

type AnyFn = (...args: unknown[]) => unknown;

/** The watchdog of a log wrapped by `watchLog`, if it is one. */
export function watchdogOf(log: EventLog): Watchdog | undefined {
  return (log as { [WATCHDOG]?: Watchdog })[WATCHDOG];
}

/**
 * The same log, with every backend call timed by a `Watchdog` (see watchdog.ts). A Proxy rather
 * than a wrapper class, so whatever else the backend offers (`ackWith`, `streams`, `onTiming`…)
 * stays reachable unchanged; methods run on the backend itself, so its private fields work.
 * Wrapping a watched log again returns it as is.
 */
export function watchLog(log: EventLog, options: WatchdogOptions = {}): EventLog {
  if (watchdogOf(log)) return log;
  const dog = new Watchdog(log.backend, options);
  const cache = new Map<PropertyKey, unknown>();
  const timed = (name: string, fn: AnyFn): AnyFn => (...args) => {
    const done = dog.begin(name, typeof args[0] === 'string' ? args[0] : undefined);
    let result: unknown;
    try {
      result = fn.apply(log, args);
    } catch (error) {
      done(error);
      throw error;
    }
    if (!(result instanceof Promise)) { done(); return result; }
    return result.then((value) => { done(); return value; }, (error: unknown) => { done(error); throw error; });
  };
  const read = (fn: AnyFn): AnyFn => (...args) => {
    const iterable = fn.apply(log, args) as AsyncIterable<StoredEvent>;
    const topic = typeof args[0] === 'string' ? args[0] : undefined;
    return {
      [Symbol.asyncIterator]() {
        const it = iterable[Symbol.asyncIterator]();
        const call = dog.repeated('read', topic);
        // Only the wait for the next event is timed: the time the caller spends between events is
        // its own. The caller gets the backend's own promise: no extra await per event.
        const next = (): Promise<IteratorResult<StoredEvent>> => {
          call.begin();
          let result: Promise<IteratorResult<StoredEvent>>;
          try {
            result = it.next();
          } catch (error) {
            call.fail(error);
            throw error;
          }
          result.then(call.end, call.fail);
          return result;
        };
        const wrapped: AsyncIterator<StoredEvent> = { next };
        if (it.return) wrapped.return = (value?: unknown) => it.return!(value);
        if (it.throw) wrapped.throw = (error?: unknown) => it.throw!(error);
        return wrapped;
      },
    } satisfies AsyncIterable<StoredEvent>;
  };
  return new Proxy(log, {
    get(target, prop) {
      if (prop === WATCHDOG) return dog;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let fn = cache.get(prop);
      if (fn === undefined || (fn as { original?: unknown }).original !== value) {
        const f = value as AnyFn;
        const made: AnyFn = TIMED.has(prop) ? timed(String(prop), f)
          : prop === 'read' ? read(f)
          : prop === 'close' ? async () => { dog.stop(); await f.apply(target, []); }
          : f.bind(target);
        fn = Object.assign(made, { original: value });
        cache.set(prop, fn);
      }
      return fn;
    },
  });
}
