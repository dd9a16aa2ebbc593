import type { CloudEvent } from '../core/envelope.js';
import { HeraldError, invalidArgument } from '../core/errors.js';
import type { Middleware } from '../consumer/types.js';
import type { EventLog } from '../log/types.js';
import { blobIdOf, type BlobStore } from './blob-store.js';

/**
 * Claim checks for large payloads: an event whose data is larger than the threshold (default
 * 256 KiB) is stored without it, its data kept in a blob store and named by the CloudEvents
 * `dataref` attribute (`herald-blob:sha256:<id>`). Consumers get the data back transparently
 * (`fetchClaims` middleware, or `checkOut`), checked against the id's hash.
 */
export const DATAREF_PREFIX = 'herald-blob:sha256:';
export const DEFAULT_CLAIM_THRESHOLD = 256 * 1024;

export interface ClaimCheckOptions {
  store: BlobStore;
  /** Payloads above this many bytes (of their JSON) are claim-checked (default 256 KiB). */
  thresholdBytes?: number;
}

export function assertClaimCheckOptions(options: ClaimCheckOptions): void {
  if (typeof options?.store?.put !== 'function') throw invalidArgument('claimCheck.store must be a BlobStore', { field: 'claimCheck.store' });
  const t = options.thresholdBytes;
  if (t !== undefined && (!Number.isInteger(t) || t < 1)) throw invalidArgument('claimCheck.thresholdBytes must be a positive integer', { field: 'claimCheck.thresholdBytes' });
}

/** The blob id an event's `dataref` names, when it is a herald claim check. */
export function claimOf(event: CloudEvent): string | undefined {
  const ref = event.dataref;
  return typeof ref === 'string' && ref.startsWith(DATAREF_PREFIX) ? ref.slice(DATAREF_PREFIX.length) : undefined;
}

/** The event as it should be stored: unchanged when small, else its data moved to the blob store. */
export async function checkIn<T>(event: CloudEvent<T>, options: ClaimCheckOptions): Promise<CloudEvent<T>> {
  const payload = event.data !== undefined ? { data: event.data } : event.data_base64 !== undefined ? { data_base64: event.data_base64 } : undefined;
  if (payload === undefined) return event;
  const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
  if (bytes.length <= (options.thresholdBytes ?? DEFAULT_CLAIM_THRESHOLD)) return event;
  const id = await options.store.put(bytes);
  const { data: _data, data_base64: _base64, ...rest } = event;
  return { ...rest, dataref: `${DATAREF_PREFIX}${id}` };
}

/** The event with its claim-checked data fetched back (unchanged when it is not a claim check). */
export async function checkOut<T>(event: CloudEvent<T>, store: BlobStore): Promise<CloudEvent<T>> {
  const id = claimOf(event);
  if (id === undefined || event.data !== undefined) return event;
  const bytes = await store.get(id);
  if (bytes === undefined) throw new HeraldError('HERALD_E_NOT_FOUND', `the payload of event ${event.id} (blob ${id}) is not in the blob store`, { details: { id: event.id, blob: id } });
  if (blobIdOf(bytes) !== id) throw new HeraldError('HERALD_E_CORRUPT', `the payload of event ${event.id} (blob ${id}) does not match its hash`, { details: { id: event.id, blob: id } });
  const payload = JSON.parse(Buffer.from(bytes).toString('utf8')) as { data?: T; data_base64?: string };
  const { dataref: _ref, ...rest } = event;
  return { ...rest, ...payload };
}

/** Consumer middleware: handlers see claim-checked events with their data. */
export function fetchClaims(store: BlobStore): Middleware {
  return (next) => async (event, ctx) => next(await checkOut(event, store), ctx);
}

export interface SweepResult {
  /** Events read to find the blobs still referenced. */
  scanned: number;
  live: number;
  deleted: number;
}

/**
 * Garbage collection: deletes the blobs no stored event references any more (their events left
 * retention, or were deleted), once they are older than `graceMs` (default 1 h: a blob is
 * written just before its event is appended, and must not be swept in between). It reads
 * every topic of `log` (dead-letter topics too), so run it on the whole log, not a tenant's view,
 * and not more often than retention runs.
 */
export async function sweepBlobs(log: EventLog, store: BlobStore, options: { graceMs?: number; now?: number } = {}): Promise<SweepResult> {
  const cutoff = (options.now ?? Date.now()) - (options.graceMs ?? 3_600_000);
  const live = new Set<string>();
  let scanned = 0;
  for (const topic of await log.topics()) {
    for await (const stored of log.read(topic.topic)) {
      scanned++;
      const id = claimOf(stored.event);
      if (id !== undefined) live.add(id);
    }
  }
  let deleted = 0;
  for await (const blob of store.list()) {
    if (!live.has(blob.id) && blob.storedAt < cutoff && await store.delete(blob.id)) deleted++;
  }
  return { scanned, live: live.size, deleted };
}
