/** A value now (synchronous stores such as sqlite) or later (PostgreSQL). */
export type MaybePromise<T> = T | Promise<T>;

export const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';

/**
 * Calls `next` with `value`, at once when it is a plain value, after it settles when it is a
 * promise: one code path serves synchronous and asynchronous stores without making the former async.
 */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
