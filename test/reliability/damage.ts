import assert from 'node:assert/strict';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteLog } from '../../src/backends/sqlite/index.js';
import { HeraldError } from '../../src/core/errors.js';
import { createEvent, type CloudEvent } from '../../src/core/envelope.js';
import type { RecordedEvent } from '../../src/log/streams.js';
import type { StoredEvent } from '../../src/log/types.js';

/** Shared by the torn-tail and corruption tests: deterministic events, copies of a database, reopen and read. */
export function makeEvent(commit: number, i: number): CloudEvent {
  return createEvent({
    id: `c${commit}-${i}`, type: 'damage.tick', key: `k${commit % 5}`, time: '2026-01-01T00:00:00.000Z',
    data: { commit, i, pad: `${commit}:${i}:`.padEnd(300, 'abcdefghij') },
  });
}

/** Copies the database (and its -wal when `withWal`) of `from` into `dir`, returning the copy's path. */
export function copyDatabase(from: string, dir: string, withWal: boolean): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const to = join(dir, 'herald.db');
  copyFileSync(from, to);
  if (withWal && existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
  return to;
}

/** XORs one byte of a file with `mask` in place. */
export function xorByte(path: string, at: number, mask: number): void {
  const fd = openSync(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0]! ^= mask;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

/** What a read served, one row per event, first element its key: position (topic read, fetch), revision (stream), global position ($all). */
export type Row = [number, ...unknown[]];
/** The rows of the undamaged database, per read. */
export interface Expected { topic: Row[]; stream: Row[]; all: Row[] }
export const streamRow = (r: RecordedEvent): Row => [r.revision, r.globalPosition, r.topic, r.position, r.appendedAt, r.event];
export const allRow = (r: RecordedEvent): Row => [r.globalPosition, r.stream, r.revision, r.topic, r.position, r.appendedAt, r.event];

export type Reopened = { kind: 'read'; events: StoredEvent[] } | { kind: 'refused' | 'read-failed'; code: string; message: string };

/** Opens `path` as herald does (quick_check on) and reads the whole topic; typed refusals are results, anything else throws. */
export async function reopenAndRead(path: string, topic: string): Promise<Reopened> {
  let log;
  try {
    log = await openSqliteLog({ path, checkpointIntervalMs: 0 });
  } catch (error) {
    assert.ok(error instanceof HeraldError, `open failed with an untyped error: ${String(error)}`);
    return { kind: 'refused', code: error.code, message: error.message };
  }
  try {
    const events: StoredEvent[] = [];
    for await (const stored of log.read(topic)) events.push(stored);
    return { kind: 'read', events };
  } catch (error) {
    if (error instanceof HeraldError) return { kind: 'read-failed', code: error.code, message: error.message };
    return { kind: 'read-failed', code: `untyped ${(error as Error).name}`, message: String(error) };
  } finally {
    await log.close().catch(() => undefined);
  }
}
