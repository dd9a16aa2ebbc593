import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { rate } from '../stats.js';
import type { Measurement } from './types.js';

/**
 * The raw limits of the data directory's disk, measured in the same run as the systems:
 * - fdatasync rate: 4 KiB overwritten in place (a preallocated 1 MiB file), then fdatasync;
 * - sequential write bandwidth: 1 MiB writes, one fdatasync at the end (included);
 * - an append-only file of 256-byte records, one write + one fdatasync per batch of 1,000:
 *   the most a log that group-commits 1,000 events per fsync could do on this disk.
 * Synchronous calls on purpose: nothing else runs while these measure.
 */
function withFile<T>(dir: string, work: (fd: number) => T): T {
  const tmp = mkdtempSync(join(dir, 'physical-'));
  const fd = openSync(join(tmp, 'data'), 'w');
  try {
    return work(fd);
  } finally {
    closeSync(fd);
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function fdatasyncRate(dir: string, maxMs: number): Measurement {
  return withFile(dir, (fd) => {
    const block = Buffer.alloc(4096, 1);
    for (let i = 0; i < 256; i++) writeSync(fd, block, 0, block.length, i * 4096);
    fdatasyncSync(fd);
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < maxMs) {
      writeSync(fd, block, 0, block.length, (n % 256) * 4096);
      fdatasyncSync(fd);
      n++;
    }
    const ms = performance.now() - t0;
    return { value: rate(n, ms), events: n, ms };
  });
}

export function sequentialWrite(dir: string, mebibytes: number): Measurement {
  return withFile(dir, (fd) => {
    const chunk = Buffer.alloc(1 << 20, 7);
    const t0 = performance.now();
    for (let i = 0; i < mebibytes; i++) writeSync(fd, chunk);
    fdatasyncSync(fd);
    const ms = performance.now() - t0;
    return { value: (mebibytes * 1000) / ms, ms, extra: { mebibytes } };
  });
}

export function appendFile(dir: string, events: number, batch: number, maxMs: number): Measurement {
  return withFile(dir, (fd) => {
    const record = Buffer.alloc(256, 0x61);
    record[255] = 0x0a;
    const buffer = Buffer.alloc(record.length * batch);
    for (let i = 0; i < batch; i++) record.copy(buffer, i * record.length);
    let n = 0;
    const t0 = performance.now();
    while (n < events && performance.now() - t0 < maxMs) {
      writeSync(fd, buffer);
      fdatasyncSync(fd);
      n += batch;
    }
    const ms = performance.now() - t0;
    return { value: rate(n, ms), events: n, ms, extra: { batch } };
  });
}
