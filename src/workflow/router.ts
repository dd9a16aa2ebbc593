import type { CloudEvent } from '../core/envelope.js';
import { subscribe } from '../consumer/subscribe.js';
import type { Subscription } from '../consumer/types.js';
import type { StreamLog } from '../log/streams.js';
import { H, TERMINAL_TYPES, type EventWaitingData } from './history.js';
import { historyId, WORKFLOW_CATEGORY } from './names.js';
import { matches } from './match.js';
import { historyEvent } from './recorder.js';

interface Waiter { stream: string; wait: EventWaitingData }

/**
 * Routes events to the instances waiting for them (`ctx.waitForEvent`). The waits are data in
 * the history (`workflow.event.waiting`: topic, type, match), so the router rebuilds its index
 * from the log after a restart. Each topic with waiters gets a consumer group, `workflow-events`;
 * a matching event is recorded in the instance (`workflow.event.received`, once: its id names the
 * wait) which makes the instance run again. An event that came before the instance began to wait
 * is found by reading the topic from the instance's start when the wait is registered.
 */
export class EventRouter {
  private readonly waiters = new Map<string, Map<string, Waiter>>();
  private readonly subscriptions = new Map<string, Subscription>();
  private closing = false;

  constructor(private readonly log: StreamLog, private readonly source: string, private readonly options: { pollInterval: number; onError: (error: unknown) => void }) {}

  /** Indexes every open wait recorded in the log. */
  async recover(): Promise<void> {
    const open = new Map<string, Map<number, EventWaitingData>>();
    const types = [H.eventWaiting, H.eventReceived, H.eventTimedOut, ...TERMINAL_TYPES];
    for await (const e of this.log.streams.readAll({ category: WORKFLOW_CATEGORY, types })) {
      const waits = open.get(e.stream) ?? new Map<number, EventWaitingData>();
      open.set(e.stream, waits);
      if (e.event.type === H.eventWaiting) { const w = e.event.data as EventWaitingData; waits.set(w.seq, w); }
      else if (TERMINAL_TYPES.has(e.event.type)) waits.clear();
      else waits.delete((e.event.data as { seq: number }).seq);
    }
    for (const [stream, waits] of open) for (const w of waits.values()) this.register(stream, w);
  }

  register(stream: string, wait: EventWaitingData): void {
    if (this.closing) return;
    const key = `${stream}#${wait.seq}`;
    const onTopic = this.waiters.get(wait.topic) ?? new Map<string, Waiter>();
    if (onTopic.has(key)) return;
    this.waiters.set(wait.topic, onTopic);
    const waiter = { stream, wait };
    onTopic.set(key, waiter);
    this.listen(wait.topic, wait.since);
    this.catchUp(waiter).catch(this.options.onError);
  }

  /** Drops the waits of an instance that no longer waits (ended, timed out). */
  forget(stream: string, seq?: number): void {
    for (const onTopic of this.waiters.values()) {
      for (const [key, w] of onTopic) if (w.stream === stream && (seq === undefined || w.wait.seq === seq)) onTopic.delete(key);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.subscriptions.values()].map((s) => s.close()));
  }

  /**
   * The topic's group starts (when it is first made) where catching up starts, not at the latest
   * event: an event appended after the catch-up read and before the group's first fetch would be
   * in neither (CI, PostgreSQL: a wait timed out with its event in the topic).
   */
  private listen(topic: string, since: number): void {
    if (this.subscriptions.has(topic)) return;
    const from = this.log.capabilities.readByTime ? { time: Math.max(0, since - 1_000) } : 'latest' as const;
    this.subscriptions.set(topic, subscribe(this.log, topic, {
      group: 'workflow-events', from, pollInterval: this.options.pollInterval, concurrency: 4, maxAttempts: 1_000, onError: this.options.onError,
    }, async (event) => {
      for (const waiter of [...(this.waiters.get(topic)?.values() ?? [])]) {
        if (matches(event, waiter.wait.type, waiter.wait.match)) await this.deliver(waiter, event);
      }
    }));
  }

  private async catchUp(waiter: Waiter): Promise<void> {
    const from = this.log.capabilities.readByTime ? { time: Math.max(0, waiter.wait.since - 1_000) } : 'earliest' as const;
    for await (const stored of this.log.read(waiter.wait.topic, { from, types: [waiter.wait.type] })) {
      if (matches(stored.event, waiter.wait.type, waiter.wait.match)) { await this.deliver(waiter, stored.event); return; }
    }
  }

  private async deliver(waiter: Waiter, event: CloudEvent): Promise<void> {
    const { stream, wait } = waiter;
    const onTopic = this.waiters.get(wait.topic);
    const key = `${stream}#${wait.seq}`;
    if (!onTopic?.delete(key)) return; // delivered already
    const received = historyEvent(stream, this.source, { type: H.eventReceived, id: historyId(stream, `received/${wait.seq}`), data: { seq: wait.seq, event } });
    try {
      await this.log.streams.appendToStream(stream, [received]);
    } catch (error) {
      onTopic.set(key, waiter);
      throw error;
    }
  }
}
