import { rejectWith } from '../../core/errors.js';

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/** How one paged read goes: what it does first, how it gets the next page, how a row becomes a value. */
export interface PageSource<Row, T> {
  /** Runs on the first `next()` (checks, where the read starts); false when there is nothing to read. */
  start(): boolean;
  /** The rows after the last one decoded; empty at the end. */
  page(): Row[];
  /** The row's value, or undefined to skip it (a filter). Called for every row, in order. */
  decode(row: Row): T | undefined;
  limit: number;
}

/**
 * An async iterator over pages of rows, never more than one page in memory. Like PageReader, every
 * step is synchronous (better-sqlite3), so `next()` returns settled promises; errors of `start`
 * reject the first `next()`, where an async generator would have thrown them.
 */
export class Paged<Row, T> implements AsyncIterableIterator<T> {
  private rows: Row[] = [];
  private index = 0;
  private yielded = 0;
  private started = false;
  private finished = false;

  constructor(private readonly source: PageSource<Row, T>) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.finished) return Promise.resolve(DONE);
    try {
      const value = this.step();
      if (value === undefined) { this.finished = true; return Promise.resolve(DONE); }
      return Promise.resolve({ value, done: false });
    } catch (error) {
      this.finished = true;
      return rejectWith(error);
    }
  }

  return(): Promise<IteratorResult<T>> {
    this.finished = true;
    return Promise.resolve(DONE);
  }

  private step(): T | undefined {
    const { source } = this;
    if (!this.started) {
      this.started = true;
      if (!source.start()) return undefined;
    }
    while (this.yielded < source.limit) {
      if (this.index === this.rows.length) {
        this.rows = source.page();
        this.index = 0;
        if (this.rows.length === 0) return undefined;
      }
      const value = source.decode(this.rows[this.index++]!);
      if (value !== undefined) {
        this.yielded++;
        return value;
      }
    }
    return undefined;
  }
}
