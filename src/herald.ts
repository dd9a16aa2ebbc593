import type { CloudEvent, EventInput } from './core/envelope.js';
import type { EventContract } from './core/contract.js';
import { HeraldError } from './core/errors.js';
import type * as SqliteBackend from './backends/sqlite/index.js';
import type { AppendReceipt, EventLog, ReadOptions, StoredEvent } from './log/types.js';
import { discardDeadLetter, getDeadLetter, listDeadLetters, redriveDeadLetter } from './log/dead-letters.js';
import { deadLetterTopic } from './log/names.js';
import { subscribe, subscribeTransactional, type TransactionalHandler } from './consumer/subscribe.js';
import { consume, type ConsumeOptions, type Message } from './consumer/consume.js';
import type { Handler, HandlerContext, SubscribeOptions, Subscription } from './consumer/types.js';
import { followUp, publisher, toEvents, type Publishable, type PublishOptions, type Publisher } from './publisher.js';
import { toObservability, type Instrumentation, type Observability, type ObservabilityOptions } from './observability/observability.js';
import { jsonLogger } from './observability/json-logger.js';
import { watchdogOf, watchLog } from './log/watched-log.js';
import type { StallReport, WatchdogOptions, WatchdogStatus } from './log/watchdog.js';
import { Governance, type GovernanceOptions } from './governance.js';

export interface HeraldOptions {
  /** A ready backend; default: the embedded SQLite log at `path`. */
  log?: EventLog;
  /** The embedded database file (default `./data/herald.db`). */
  path?: string;
  /** `fsync` (default): an ack means the event is on disk. `os`: in the OS, survives a process crash only. */
  durability?: 'fsync' | 'os';
  /** CloudEvents `source` of events published through this instance. */
  source?: string;
  /**
   * Tracing, metrics and handler outcome records: `true` for the defaults (spans when a tracer
   * provider is registered, metrics on, outcomes off), options, or a shared `Observability`.
   */
  observability?: boolean | ObservabilityOptions | Observability;
  /**
   * PII encryption (`pii: { keys }`), signing (`signing`), signature checks in subscriptions
   * (`verify`) and claim checks for large payloads (`claimCheck`): see docs/governance.md.
   */
  governance?: GovernanceOptions;
  /**
   * The stall watchdog: a backend call unanswered for `stallAfter` (default 5s) is reported as
   * `stalled` (log line, `onStall`, `herald_backend_stalled`, `/readyz` 503), again every
   * `repeatEvery` while it lasts, then `resumed`. Default on, logging JSON lines to stderr.
   */
  watchdog?: WatchdogOptions | false;
}

/** Handlers get the delivery, an abort signal, and `publish`, which keeps the correlation chain. */
export type HeraldContext = HandlerContext & Publisher;

/**
 * The application-facing API: publish typed events, subscribe handlers, consume as an iterator,
 * read and replay, and manage dead letters — the same on every backend.
 */
export class Herald implements Publisher {
  private readonly subscriptions = new Set<Subscription>();
  private readonly pub: Publisher;
  private readonly instrumentation: Instrumentation | undefined;

  private readonly governance: Governance | undefined;
  private readonly prepare: ((event: CloudEvent, contract?: EventContract<unknown>) => Promise<CloudEvent>) | undefined;

  readonly log: EventLog;

  constructor(log: EventLog, private readonly source?: string, observability?: Observability, governance?: GovernanceOptions, watchdog?: WatchdogOptions | false) {
    this.log = watchdog === false ? log : watchLog(log, { logger: jsonLogger({ out: process.stderr }), ...watchdog });
    this.instrumentation = observability?.instrument(this.log);
    const g = governance ? new Governance(governance) : undefined;
    this.governance = g?.active ? g : undefined;
    this.prepare = this.governance ? (event, contract) => this.governance!.prepare(event, contract) : undefined;
    this.pub = publisher(this.log, source, undefined, this.instrumentation?.publish, this.prepare);
  }

  /** A stored event as handlers see it: its claim-checked payload fetched and its PII decrypted (for `read` and `consume`). */
  open(event: CloudEvent): Promise<CloudEvent> {
    return this.governance ? this.governance.open(event) : Promise.resolve(event);
  }

  /** The instrumentation given to `openHerald({ observability })`: `observability.prometheus()` renders its metrics. */
  get observability(): Observability | undefined {
    return this.instrumentation?.observability;
  }

  publish<T>(topic: string, contract: EventContract<T>, data: T, options?: PublishOptions<T>): Promise<AppendReceipt>;
  publish(topic: string, event: CloudEvent | EventInput): Promise<AppendReceipt>;
  publish(topic: string, what: EventContract<unknown> | CloudEvent | EventInput, data?: unknown, options?: PublishOptions): Promise<AppendReceipt> {
    return (this.pub.publish as (...args: unknown[]) => Promise<AppendReceipt>)(topic, what, data, options);
  }

  /** Publishes several events atomically: all are appended, in order, or none. */
  async publishAll(topic: string, items: readonly Publishable[]): Promise<AppendReceipt[]> {
    const events = await toEvents(items, { ...(this.source === undefined ? {} : { source: this.source }), ...(this.prepare ? { prepare: this.prepare } : {}) });
    const hook = this.instrumentation?.publish;
    return hook ? hook(topic, events, (stamped) => this.log.append(topic, stamped)) : this.log.append(topic, events);
  }

  /** Whether the backend answers: `stalled` while a call has waited longer than `stallAfter` (undefined with `watchdog: false`). */
  backendStatus(): WatchdogStatus | undefined {
    return watchdogOf(this.log)?.status();
  }

  /** Calls `listener` on each stall report (stalled, stalled again while it lasts, resumed); returns the unsubscribe. */
  onStall(listener: (report: StallReport) => void): () => void {
    return watchdogOf(this.log)?.onStall(listener) ?? (() => undefined);
  }

  /** With observability on, each attempt is observed (unless `options.observer` is given) and what the handler publishes is its span's child. */
  subscribe<T = unknown>(topic: string, options: SubscribeOptions, handler: Handler<T, HeraldContext>): Subscription {
    const instr = this.instrumentation;
    const observer = instr && !options.observer ? instr.observer(topic, options.group, options.name) : undefined;
    const traced = instr?.tracesPublishes ?? false;
    const governed = this.governance ? { ...options, middleware: [...this.governance.middleware(), ...(options.middleware ?? [])] } : options;
    const sub = subscribe<T>(this.log, topic, observer ? { ...governed, observer } : governed, (event, ctx) =>
      handler(event, { ...ctx, ...publisher(this.log, this.source, followUp(event, traced), observer ? instr!.publishFrom(observer, ctx.delivery.position) : instr?.publish, this.prepare) }));
    return this.track(sub);
  }

  /** Exactly-once local effects: see `subscribeTransactional` (sqlite backend). */
  subscribeTransactional<T = unknown, Tx = unknown>(topic: string, options: Omit<SubscribeOptions, 'middleware'>, handler: TransactionalHandler<T, Tx>): Subscription {
    const instr = this.instrumentation;
    const observer = instr && !options.observer ? instr.observer(topic, options.group, options.name) : undefined;
    return this.track(subscribeTransactional<T, Tx>(this.log, topic, observer ? { ...options, observer } : options, handler));
  }

  consume<T = unknown>(topic: string, options: ConsumeOptions): AsyncGenerator<Message<T>> {
    return consume<T>(this.log, topic, options);
  }

  read(topic: string, options?: ReadOptions): AsyncIterable<StoredEvent> {
    return this.log.read(topic, options);
  }

  readonly deadLetters = {
    topic: (topic: string, group: string) => deadLetterTopic(topic, group),
    list: (topic: string, group: string, limit?: number) => listDeadLetters(this.log, deadLetterTopic(topic, group), limit),
    get: (topic: string, group: string, position: number) => getDeadLetter(this.log, deadLetterTopic(topic, group), position),
    redrive: (topic: string, group: string, position: number, edit?: (e: CloudEvent) => CloudEvent) =>
      redriveDeadLetter(this.log, deadLetterTopic(topic, group), position, edit),
    discard: (topic: string, group: string, position: number) => discardDeadLetter(this.log, deadLetterTopic(topic, group), position),
  };

  /** Drains every subscription (running handlers finish), writes the pending outcome records, then closes the log. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.instrumentation?.close();
    await this.log.close();
  }

  private track(sub: Subscription): Subscription {
    this.subscriptions.add(sub);
    void sub.closed.then(() => this.subscriptions.delete(sub));
    return sub;
  }
}

/** Opens herald: embedded SQLite at `./data/herald.db` unless given another log. */
export async function openHerald(options: HeraldOptions = {}): Promise<Herald> {
  const observability = toObservability(options.observability);
  if (options.log) return new Herald(options.log, options.source, observability, options.governance, options.watchdog);
  let sqlite: typeof SqliteBackend;
  try {
    sqlite = await import('./backends/sqlite/index.js');
  } catch (error) {
    throw new HeraldError('HERALD_E_UNSUPPORTED', 'the embedded backend needs the better-sqlite3 package: npm install better-sqlite3', { cause: error });
  }
  const log = await sqlite.openSqliteLog({ path: options.path ?? './data/herald.db', durability: options.durability ?? 'fsync' });
  return new Herald(log, options.source, observability, options.governance, options.watchdog);
}
