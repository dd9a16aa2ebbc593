import pg from 'pg';
import type { Db } from './db.js';

/** How long to wait before opening the LISTEN connection again after it failed. */
const RECONNECT_MS = 1000;

/**
 * onAppend across processes: after an append commits, `announce` NOTIFYs `herald:<schema>` with
 * the topic name; one LISTEN connection (opened with the first listener) wakes this process's
 * listeners. Appends of this process wake them at once (`local`), so NOTIFYs sent from this log's
 * own pool connections are skipped. If the LISTEN connection drops it is reopened; consumers poll
 * meanwhile.
 *
 * Why not NOTIFY inside the append transaction: PostgreSQL holds one database-wide lock on the
 * notification queue from a notifying transaction's pre-commit until its commit (WAL flush
 * included), which serialised every append of every topic (measured ~340 vs ~1,670 single-event
 * appends/s with 8 appenders). A NOTIFY is only a wake-up, so it goes after the commit, topics
 * coalesced while one is in flight, in a transaction with synchronous_commit off (nothing to flush).
 */
export class Notifier {
  private readonly listeners = new Map<string, Set<() => void>>();
  private client: pg.Client | undefined;
  private opening: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly pending = new Set<string>();
  private announcing: Promise<void> | undefined;

  constructor(private readonly db: Db) {}

  /** Tells other processes that `topic` has new events (after the commit; never fails the append). */
  announce(topic: string): void {
    this.pending.add(topic);
    this.announcing ??= this.flush().finally(() => { this.announcing = undefined; });
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0 && !this.closed) {
      const topics = [...this.pending];
      this.pending.clear();
      const channel = `herald:${this.db.options.schema}`;
      // One round trip: a multi-statement simple query runs as one implicit transaction.
      const sql = ['SET LOCAL synchronous_commit = off', ...topics.map((t) => `SELECT pg_notify(${literal(channel)}, ${literal(t)})`)].join('; ');
      await this.db.pool.query(sql).catch(() => undefined); // listeners also poll: a lost wake-up only delays them
    }
  }

  add(topic: string, listener: () => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    this.listen();
    return () => { set.delete(listener); };
  }

  /** Wakes this process's listeners of `topic` (after its own append or requeue). */
  local(topic: string): void {
    const set = this.listeners.get(topic);
    if (set && set.size > 0) queueMicrotask(() => set.forEach((l) => l()));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.announcing;
    clearTimeout(this.timer);
    await this.opening;
    clearInterval(this.pinger);
    const client = this.client;
    this.client = undefined;
    if (client) await endClient(client);
  }

  private listen(): void {
    if (this.client || this.opening || this.closed) return;
    this.opening = this.open().finally(() => { this.opening = undefined; });
  }

  private async open(): Promise<void> {
    const client = new pg.Client(this.db.config(1));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => {
      if (this.db.pids.has(msg.processId) || msg.payload === undefined) return;
      this.local(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "herald:${this.db.options.schema}"`);
      if (this.closed) { await client.end(); return; }
      this.client = client;
      this.watch(client);
    } catch {
      await endClient(client);
      this.retry();
    }
  }

  /**
   * An idle LISTEN connection silently lost in a partition would never say so (no query, no
   * error): a `SELECT 1` every `keepAliveMs`, limited by the query timeout, finds it out; the
   * connection is then destroyed and reopened.
   */
  private watch(client: pg.Client): void {
    let pinging = false;
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (pinging || this.client !== client) return;
      pinging = true;
      client.query('SELECT 1').then(() => { pinging = false; }, () => {
        this.lost(client);
        void endClient(client);
      });
    }, this.db.options.keepAliveMs);
    this.pinger.unref();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.pinger);
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.listen(), RECONNECT_MS);
    this.timer.unref();
  }
}

/** Ends `client`, destroying its socket if the server does not answer the goodbye within a second (a dead connection). */
async function endClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const destroy = (): void => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise<void>((resolve) => { timer = setTimeout(() => { destroy(); resolve(); }, 1000); }),
  ]);
  clearTimeout(timer);
}

/** A SQL string literal (topic and schema names are validated; quoting keeps it safe regardless). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
