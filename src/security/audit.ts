import { createEvent, type CloudEvent } from '../core/envelope.js';
import type { EventLog, StoredEvent } from '../log/types.js';

/**
 * The audit trail is a topic of the log, `herald.audit` (no tenant can name it): one event per
 * admin action and per denied request, never holding a secret. Entries are queued and appended
 * in batches off the request path; the queue is bounded, so a flood of denied requests cannot
 * exhaust memory: past `maxQueue` entries are counted as dropped and the count is recorded.
 */
export const AUDIT_TOPIC = 'herald.audit';

export interface AuditEntry {
  kind: 'admin' | 'denied';
  method: string;
  /** The route pattern (`/v1/topics/:topic/events`), and the path without its query string. */
  route: string;
  path: string;
  status: number;
  /** The error code for a denied or failed request. */
  code?: string;
  tenant?: string;
  keyId?: string;
  remote?: string;
}

export interface AuditOptions {
  maxQueue?: number;
  /** Called when an append of audit entries fails (they are lost; the server logs it). */
  onError?: (error: unknown) => void;
}

export class AuditLog {
  private queue: (AuditEntry & { at: string })[] = [];
  private dropped = 0;
  private flushing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private readonly maxQueue: number;

  constructor(private readonly log: EventLog, private readonly options: AuditOptions = {}) {
    this.maxQueue = options.maxQueue ?? 10_000;
  }

  record(entry: AuditEntry): void {
    if (this.queue.length >= this.maxQueue) {
      this.dropped++;
      return;
    }
    this.queue.push({ ...entry, at: new Date().toISOString() });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => { this.scheduled = false; void this.flush(); });
    }
  }

  /** Appends everything queued so far; resolves when it is in the log. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.drain());
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.dropped > 0) {
      const batch = this.queue.splice(0, 1000);
      const events: CloudEvent[] = batch.map((e) => createEvent({ type: `herald.audit.${e.kind}`, source: 'urn:herald:server', data: e, ...(e.tenant ? { subject: e.tenant } : {}) }));
      if (this.dropped > 0) {
        events.push(createEvent({ type: 'herald.audit.dropped', source: 'urn:herald:server', data: { count: this.dropped, at: new Date().toISOString() } }));
        this.dropped = 0;
      }
      try {
        await this.log.append(AUDIT_TOPIC, events);
      } catch (error) {
        this.options.onError?.(error);
        return;
      }
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

/** A tenant's audit entries (newest last), read from the shared audit topic. */
export async function readAudit(log: EventLog, tenant: string, options: { from?: number; limit?: number } = {}): Promise<(StoredEvent & { event: { data: AuditEntry } })[]> {
  const limit = options.limit ?? 100;
  const out: (StoredEvent & { event: { data: AuditEntry } })[] = [];
  for await (const stored of log.read(AUDIT_TOPIC, { from: { position: options.from ?? 1 } })) {
    if (stored.event.subject !== tenant) continue;
    out.push(stored as StoredEvent & { event: { data: AuditEntry } });
    if (out.length >= limit) break;
  }
  return out;
}
