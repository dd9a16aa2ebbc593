import type { EventContract } from '../core/contract.js';
import type { CloudEvent } from '../core/envelope.js';
import { invalidArgument } from '../core/errors.js';
import { assertPositiveInt, assertTopic } from '../log/names.js';
import type { RecordedEvent } from '../log/streams.js';
import type { StoredEvent } from '../log/types.js';

/**
 * A projection folds events into a read model. It is declared with a name, a version, the
 * event types it handles and where its events come from; a runner (projection-runner.ts) keeps
 * it up to date and its checkpoint commits with its read model (projection-store.ts).
 */

/** One or more topics of an EventLog, or the `$all` order of the log's streams (optionally one category). */
export type ProjectionSource =
  | { topics: readonly string[] }
  | { all: true; category?: string };

export interface ProjectionContext<Tx> {
  /** The open transaction: write the read model through it (a SQL database, or a MemoryTx). */
  readonly tx: Tx;
  readonly name: string;
  /** The version being built or dropped; name tables after it with `table()`. */
  readonly version: number;
  /** `base` suffixed with the version: `orders_by_status` → `orders_by_status_v2`. */
  readonly table: (base: string) => string;
}

export interface ProjectionEventContext<Tx> extends ProjectionContext<Tx> {
  /** Where the event was read: topic and position (plus stream, revision and `$all` position for `$all`). */
  readonly record: StoredEvent | RecordedEvent;
}

/**
 * What a handler (or a `setup`/`drop` hook) returns. A transaction with an async `query` (a
 * PostgreSQL client) stays open across awaits, so those handlers may be async; on sqlite and
 * memory the transaction ends with the call, so handlers there are synchronous.
 */
export type HandlerResult<Tx> = Tx extends { query(...args: never[]): Promise<unknown> } ? void | Promise<void> : void;

/** Applies one event to the read model, inside the checkpoint's transaction. */
export type ProjectionHandler<T, Tx> = (event: CloudEvent<T> & { data: T }, ctx: ProjectionEventContext<Tx>) => HandlerResult<Tx>;

export interface ProjectionHandlerEntry<Tx> {
  readonly type: string;
  /** Upcasts and validates before the transaction starts (from a contract). */
  readonly decode?: (event: CloudEvent) => Promise<CloudEvent>;
  readonly handle: ProjectionHandler<unknown, Tx>;
}

/** A handler for one event type; with a contract, the event is upcast, validated and typed. */
export function on<T, Tx>(contract: EventContract<T>, handle: ProjectionHandler<T, Tx>): ProjectionHandlerEntry<Tx>;
export function on<Tx>(type: string, handle: ProjectionHandler<unknown, Tx>): ProjectionHandlerEntry<Tx>;
export function on<T, Tx>(what: EventContract<T> | string, handle: ProjectionHandler<T, Tx>): ProjectionHandlerEntry<Tx> {
  if (typeof handle !== 'function') throw invalidArgument('handler must be a function', { field: 'handler' });
  if (typeof what === 'string') return { type: what, handle: handle as ProjectionHandler<unknown, Tx> };
  if (typeof what?.type !== 'string' || typeof what.decode !== 'function') throw invalidArgument('on() takes an event contract or an event type', { field: 'type' });
  return { type: what.type, decode: (e) => what.decode(e), handle: handle as ProjectionHandler<unknown, Tx> };
}

export interface ProjectionDefinition<Tx> {
  /** 1-100 letters, digits, `_` or `-`. */
  name: string;
  /** A positive integer; a new version is rebuilt from zero beside the old one (blue/green). */
  version: number;
  source: ProjectionSource;
  handlers: readonly ProjectionHandlerEntry<Tx>[];
  /** Creates this version's tables; runs once, in the transaction that registers the version. */
  setup?(ctx: ProjectionContext<Tx>): HandlerResult<Tx>;
  /** Removes a version's tables when that version is dropped (`ctx.version` is the dropped one). */
  drop?(ctx: ProjectionContext<Tx>): HandlerResult<Tx>;
}

/** A checked definition with its handlers by type (what the runner works from). */
export interface Projection<Tx> extends ProjectionDefinition<Tx> {
  readonly byType: ReadonlyMap<string, ProjectionHandlerEntry<Tx>>;
  /** Stored with the checkpoint: a version's source may not change (bump the version instead). */
  readonly sourceKey: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const TABLE_BASE = /^[A-Za-z_][A-Za-z0-9_]{0,100}$/;

/** `base` named for `version`; `base` must be a plain SQL identifier. */
export function versionedTable(base: string, version: number): string {
  if (typeof base !== 'string' || !TABLE_BASE.test(base)) {
    throw invalidArgument(`table must be a plain identifier (letters, digits, '_'), got ${JSON.stringify(base)}`, { field: 'table' });
  }
  return `${base}_v${version}`;
}

export function projectionContext<Tx>(tx: Tx, name: string, version: number): ProjectionContext<Tx> {
  return { tx, name, version, table: (base) => versionedTable(base, version) };
}

function describeSource(source: ProjectionSource): string {
  if ('topics' in source) return `topics:${[...source.topics].join(',')}`;
  return source.category === undefined ? '$all' : `$all:${source.category}`;
}

function checkSource(source: unknown): asserts source is ProjectionSource {
  const s = source as Partial<{ topics: unknown; all: unknown; category: unknown }> | undefined;
  if (s && Array.isArray(s.topics)) {
    if (s.topics.length === 0) throw invalidArgument('source.topics must name at least one topic', { field: 'source.topics' });
    s.topics.forEach((t) => { assertTopic(t); });
    if (new Set(s.topics).size !== s.topics.length) throw invalidArgument('source.topics must not repeat a topic', { field: 'source.topics' });
    return;
  }
  if (s && s.all === true) {
    if (s.category !== undefined && (typeof s.category !== 'string' || s.category.length === 0)) {
      throw invalidArgument('source.category must be a non-empty string', { field: 'source.category' });
    }
    return;
  }
  throw invalidArgument('source must be { topics: [...] } or { all: true, category? }', { field: 'source' });
}

const compiled = new WeakMap<object, Projection<never>>();

/**
 * Validates a projection declaration once, up front, and returns it (frozen). Spread it to
 * derive the next version: `defineProjection({ ...v1, version: 2, handlers: [...] })`.
 */
export function defineProjection<Tx>(definition: ProjectionDefinition<Tx>): ProjectionDefinition<Tx> {
  const frozen = Object.freeze({ ...definition, handlers: Object.freeze([...(Array.isArray(definition?.handlers) ? definition.handlers : [])]) });
  compiled.set(frozen, check(definition));
  return frozen;
}

/** The checked form of a definition (validated now unless it came from defineProjection). */
export function compileProjection<Tx>(definition: ProjectionDefinition<Tx>): Projection<Tx> {
  return (compiled.get(definition) as Projection<Tx> | undefined) ?? check(definition);
}

function check<Tx>(definition: ProjectionDefinition<Tx>): Projection<Tx> {
  if (typeof definition?.name !== 'string' || !NAME.test(definition.name)) {
    throw invalidArgument(`name must be 1-100 letters, digits, '_' or '-', got ${JSON.stringify(definition?.name)}`, { field: 'name' });
  }
  assertPositiveInt(definition.version, 'version');
  checkSource(definition.source);
  if (!Array.isArray(definition.handlers) || definition.handlers.length === 0) {
    throw invalidArgument('handlers must list at least one handler (use on(type, fn))', { field: 'handlers' });
  }
  const byType = new Map<string, ProjectionHandlerEntry<Tx>>();
  for (const entry of definition.handlers) {
    if (typeof entry?.type !== 'string' || typeof entry.handle !== 'function') throw invalidArgument('each handler must come from on(type, fn)', { field: 'handlers' });
    if (byType.has(entry.type)) throw invalidArgument(`two handlers for ${entry.type}`, { field: 'handlers' });
    byType.set(entry.type, entry);
  }
  for (const hook of ['setup', 'drop'] as const) {
    if (definition[hook] !== undefined && typeof definition[hook] !== 'function') throw invalidArgument(`${hook} must be a function`, { field: hook });
  }
  return { ...definition, byType, sourceKey: describeSource(definition.source) };
}
