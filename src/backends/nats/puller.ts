import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { statusOf } from './msg-headers.js';

export interface Pulled {
  messages: Msg[];
  /** False when the server said nothing at all (e.g. the consumer does not exist). */
  answered: boolean;
}

export interface LateAnswers {
  /** Takes a message that answered a pull after it had given up. */
  onLate(msg: Msg): void;
  /** How long a timed-out pull keeps listening (the consumer's `ack_wait`: after that the server redelivers anyway). */
  lingerMs: number;
}

/**
 * Pull requests (`no_wait`) on one consumer, each answered on its own inbox. A pull ends when the
 * server ends its batch with a status (404 nothing, 408 fewer than asked or expired, 409 limits), sends
 * `batch` messages, or after `timeoutMs`. (Delivered messages carry their stream subject, not the
 * inbox's, so only the subscription tells which pull they answer.)
 *
 * With `late`, a pull that timed out keeps its inbox until its batch ends or `lingerMs` passes: the
 * server may still answer a request a stalled network held, and those messages, sent into a dead
 * inbox, would stay leased on the server until `ack_wait`. They go to `onLate` instead.
 */
export class Puller {
  private readonly lingering = new Set<Subscription>();

  constructor(private readonly nc: NatsConnection, readonly stream: string, readonly consumer: string, private readonly late?: LateAnswers) {}

  /**
   * What is available now, up to `batch`. With `waitMs`, a pull that waits on the server up to
   * that long for `batch` messages (it ends early once they came; the server ends it with 408).
   */
  pull(batch: number, timeoutMs: number, waitMs?: number): Promise<Pulled> {
    const messages: Msg[] = [];
    let answered = false;
    let late = false;
    let lateCount = 0;
    return new Promise<Pulled>((resolve) => {
      const inbox = createInbox();
      const finish = (timedOut: boolean): void => {
        clearTimeout(timer);
        resolve({ messages, answered });
        if (timedOut && this.late && !sub.isClosed()) {
          late = true;
          this.lingering.add(sub);
          const linger = setTimeout(() => this.drop(sub), this.late.lingerMs);
          linger.unref();
          void sub.closed.then(() => clearTimeout(linger));
        } else {
          sub.unsubscribe();
        }
      };
      const sub = this.nc.subscribe(inbox, {
        callback: (_error, msg) => {
          answered = true;
          if (late) {
            // The batch of a pull that gave up: its status or its last message ends it.
            const status = statusOf(msg);
            if (!status && msg.reply) this.late!.onLate(msg);
            if (status || messages.length + ++lateCount >= batch) this.drop(sub);
            return;
          }
          if (statusOf(msg)) { finish(false); return; }
          messages.push(msg);
          if (messages.length >= batch) finish(false);
        },
      });
      const timer = setTimeout(() => finish(true), timeoutMs + (waitMs ?? 0));
      const request = waitMs === undefined ? { batch, no_wait: true } : { batch, expires: waitMs * 1_000_000 };
      try {
        this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.consumer}`, JSON.stringify(request), { reply: inbox });
      } catch {
        finish(false); // the connection is closed: nothing was asked
      }
    });
  }

  /** Stops listening for late answers; pulls still waiting end at their timeout. */
  close(): void {
    for (const sub of [...this.lingering]) this.drop(sub);
  }

  private drop(sub: Subscription): void {
    this.lingering.delete(sub);
    if (!sub.isClosed()) sub.unsubscribe();
  }
}

/** One pull on a consumer whose late answers need nothing (an ephemeral consumer without acks). */
export function pull(nc: NatsConnection, stream: string, consumer: string, batch: number, timeoutMs: number): Promise<Pulled> {
  return new Puller(nc, stream, consumer).pull(batch, timeoutMs);
}
