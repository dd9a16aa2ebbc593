import type { CloudEvent } from '../core/envelope.js';
import { HeraldError } from '../core/errors.js';

/**
 * What identifies an event for replay protection: CloudEvents makes `source` + `id` unique, so
 * two producers that both number their events from 1 are not replays of each other.
 */
export function replayKey(event: Pick<CloudEvent, 'source' | 'id'>): string {
  return JSON.stringify([event.source, event.id]);
}

/**
 * Remembers the ids of signed events for as long as a copy of them could still pass the
 * timestamp check (signing time + tolerance): a replay inside that window is caught here, one
 * after it by the timestamp. Memory is bounded by `maxEntries` (oldest forgotten first).
 */
export class ReplayGuard {
  /** id → (where it was accepted, when its window closes in ms). Insertion order ≈ expiry order. */
  private readonly seen = new Map<string, { where: string; until: number }>();

  constructor(private readonly maxEntries = 1_000_000) {}

  /**
   * Throws HERALD_E_REPLAYED when `id` (an event id, or a `replayKey`) was accepted elsewhere
   * (`where` differs) and its window is still open at `now`. `label` names it in the message.
   */
  check(id: string, where: string, now: number, label = id): void {
    const entry = this.seen.get(id);
    if (entry && entry.until >= now && entry.where !== where) {
      throw new HeraldError('HERALD_E_REPLAYED', `event ${label} was already accepted: a signed event is accepted once`, { details: { id: label } });
    }
  }

  /** Records `id` as accepted at `where` until `until` (ms). */
  record(id: string, where: string, until: number, now: number): void {
    this.sweep(now);
    this.seen.delete(id);
    this.seen.set(id, { where, until });
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    for (const [id, entry] of this.seen) {
      if (entry.until >= now) break;
      this.seen.delete(id);
    }
  }
}
