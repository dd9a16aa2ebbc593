import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';

export interface Pulled {
  messages: Msg[];
  /** False when the server said nothing at all (e.g. the consumer does not exist). */
  answered: boolean;
}

/**
 * One pull request (`no_wait`) on a consumer: what is available now, up to `batch`. The server
 * ends the batch with a status (404 nothing, 408 fewer than asked, 409 limits) or sends `batch`.
 */
export function pull(nc: NatsConnection, stream: string, consumer: string, batch: number, timeoutMs: number): Promise<Pulled> {
  const inbox = createInbox();
  const messages: Msg[] = [];
  return new Promise<Pulled>((resolve) => {
    let answered = false;
    const finish = (): void => {
      clearTimeout(timer);
      sub.unsubscribe();
      resolve({ messages, answered });
    };
    const sub = nc.subscribe(inbox, {
      callback: (_error, msg) => {
        answered = true;
        if (msg.headers?.code) { finish(); return; }
        messages.push(msg);
        if (messages.length >= batch) finish();
      },
    });
    const timer = setTimeout(finish, timeoutMs);
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify({ batch, no_wait: true }), { reply: inbox });
  });
}
