import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../core/errors.js';

/**
 * Where claim-checked payloads live, apart from the log. Blobs are content-addressed: the id is
 * the SHA-256 of the bytes, so a reader can check what it fetched and the same payload is
 * stored once. Implement this for S3, GCS... with the same four methods.
 */
export interface BlobStore {
  /** Stores `bytes`; returns their id (lowercase hex SHA-256). */
  put(bytes: Uint8Array): Promise<string>;
  get(id: string): Promise<Uint8Array | undefined>;
  delete(id: string): Promise<boolean>;
  /** Every blob with the time it was stored (ms), for garbage collection. */
  list(): AsyncIterable<{ id: string; storedAt: number; size: number }>;
}

const ID = /^[0-9a-f]{64}$/;

export function blobIdOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function assertBlobId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !ID.test(id)) throw invalidArgument(`a blob id is 64 lowercase hex digits, got ${JSON.stringify(id)}`, { field: 'id' });
}

/** Blobs as files under `dir/<2 hex>/<62 hex>`, written to a temporary name then renamed (never half a blob). */
export class FileBlobStore implements BlobStore {
  constructor(readonly dir: string) {}

  private path(id: string): string {
    return join(this.dir, id.slice(0, 2), id.slice(2));
  }

  async put(bytes: Uint8Array): Promise<string> {
    const id = blobIdOf(bytes);
    const path = this.path(id);
    await mkdir(join(this.dir, id.slice(0, 2)), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, path);
    return id;
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    assertBlobId(id);
    try {
      return await readFile(this.path(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    assertBlobId(id);
    try {
      await rm(this.path(id));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async *list(): AsyncIterable<{ id: string; storedAt: number; size: number }> {
    let shards: string[];
    try {
      shards = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const shard of shards.filter((s) => /^[0-9a-f]{2}$/.test(s))) {
      for (const rest of await readdir(join(this.dir, shard))) {
        const id = shard + rest;
        if (!ID.test(id)) continue;
        const info = await stat(join(this.dir, shard, rest)).catch(() => undefined);
        if (info) yield { id, storedAt: info.mtimeMs, size: info.size };
      }
    }
  }
}

/** Blobs in memory, for tests. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, { bytes: Uint8Array; storedAt: number }>();

  put(bytes: Uint8Array): Promise<string> {
    const id = blobIdOf(bytes);
    if (!this.blobs.has(id)) this.blobs.set(id, { bytes: Uint8Array.from(bytes), storedAt: Date.now() });
    return Promise.resolve(id);
  }

  get(id: string): Promise<Uint8Array | undefined> {
    assertBlobId(id);
    return Promise.resolve(this.blobs.get(id)?.bytes);
  }

  delete(id: string): Promise<boolean> {
    assertBlobId(id);
    return Promise.resolve(this.blobs.delete(id));
  }

  async *list(): AsyncIterable<{ id: string; storedAt: number; size: number }> {
    for (const [id, blob] of [...this.blobs]) yield { id, storedAt: blob.storedAt, size: blob.bytes.length };
  }
}
