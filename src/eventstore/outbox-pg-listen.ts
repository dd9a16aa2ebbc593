import { errorSummary } from './projection-failure.js';
import type { PgPool, PgPoolClient } from './pg-client.js';

/** A pooled client that can LISTEN (a node-postgres client is an EventEmitter). */
interface ListeningClient extends PgPoolClient {
  on(event: 'notification' | 'error', listener: (value: never) => void): unknown;
}

/**
 * Listeners woken by NOTIFY on `channel`: one pooled connection LISTENs while anyone listens
 * and goes back (closed) when the last one leaves. A lost connection is replaced after a second.
 */
export function pgNotifications(pool: PgPool, channel: string): { add(listener: () => void): () => void } {
  const listeners = new Set<() => void>();
  let client: ListeningClient | undefined;
  let starting = false;

  const wakeAll = (): void => { listeners.forEach((l) => { l(); }); };
  const released = new WeakSet<ListeningClient>();
  const drop = (c: ListeningClient, broken: boolean): void => {
    if (client === c) client = undefined;
    if (released.has(c)) return;
    released.add(c);
    c.release(broken ? new Error('the LISTEN connection failed') : true);
  };
  const start = async (): Promise<void> => {
    if (client || starting || listeners.size === 0) return;
    starting = true;
    let c: ListeningClient | undefined;
    try {
      c = (await pool.connect()) as ListeningClient;
      if (typeof c.on !== 'function') { c.release(); return; } // not an EventEmitter: the relay polls
      const mine = c;
      mine.on('error', () => {
        const wasListening = !released.has(mine);
        drop(mine, true);
        if (wasListening) setTimeout(() => { void start(); }, 1_000).unref();
      });
      mine.on('notification', () => { wakeAll(); });
      await mine.query(`LISTEN ${channel}`);
      client = mine;
      if (listeners.size === 0) drop(mine, false);
      else wakeAll(); // rows committed while nobody listened
    } catch (error) {
      if (c) c.release(new Error(errorSummary(error).message));
      setTimeout(() => { void start(); }, 1_000).unref();
    } finally {
      starting = false;
    }
  };

  return {
    add(listener) {
      listeners.add(listener);
      void start();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && client) drop(client, false);
      };
    },
  };
}
