import { canonicalJson } from '../core/canonical-json.js';
import type { EventContract, PiiSpec } from '../core/contract.js';
import { createEvent, type CloudEvent, type FieldIssue } from '../core/envelope.js';
import { HeraldError, invalidArgument } from '../core/errors.js';
import { TopicFollower } from '../log/topic-follower.js';
import type { EventLog } from '../log/types.js';
import { assertTenant } from '../security/tenants.js';
import { assertCompatibilityMode, checkCompatibility, DEFAULT_COMPATIBILITY, type CompatibilityMode, type CompatibilityResult } from './compatibility.js';
import { contractJsonSchema } from './contract-schema.js';
import { assertSchema, type JsonSchema } from './json-schema.js';
import { withEncryptedFields } from './pii-schema.js';
import { SchemaValidator } from './validator.js';
import { assertEventType, fingerprintOf, versionOf, type SchemaSubject, type SchemaVersion } from './versions.js';

export { assertEventType, fingerprintOf, schemaUri, type SchemaSubject, type SchemaVersion } from './versions.js';

/**
 * The schema registry: every version of every event type's JSON Schema, with a compatibility
 * mode per type, kept as events in the log's own topic `herald.schemas` (no tenant can name
 * it): `herald.schema.registered` and `herald.schema.compatibility`, each with the tenant it
 * belongs to (none on an embedded log). Every process replays the topic when it opens and
 * follows it, like the key store. `SchemaStore` holds all tenants; `registry(tenant)` is one
 * tenant's registry.
 */
export const SCHEMAS_TOPIC = 'herald.schemas';
const SOURCE = 'urn:herald:schemas';
const MAX_SCHEMA_BYTES = 256 * 1024;

export interface RegisterOptions {
  /** Default: the latest version + 1. A version already registered with the same schema is a no-op. */
  version?: number;
  owner?: string;
  description?: string;
  pii?: PiiSpec;
  /** Sets the type's mode first (checked against it). */
  compatibility?: CompatibilityMode;
}

export interface CheckResult extends CompatibilityResult {
  /** The version the schema would get. */
  version: number;
  /** Set when this very schema is already that version (registering it again changes nothing). */
  alreadyRegistered: boolean;
}

interface Subject {
  compatibility: CompatibilityMode;
  versions: Map<number, SchemaVersion>;
}

export class SchemaStore {
  private readonly tenants = new Map<string, Map<string, Subject>>();
  private readonly validator = new SchemaValidator();
  private readonly follower: TopicFollower;

  private constructor(readonly log: EventLog, pollMs: number) {
    this.follower = new TopicFollower(log, SCHEMAS_TOPIC, (stored) => this.apply(stored.event), pollMs);
  }

  /** Loads the registry; `pollMs` (default 1000, 0: never) is how often it looks for registrations made elsewhere. */
  static async open(log: EventLog, options: { pollMs?: number } = {}): Promise<SchemaStore> {
    const store = new SchemaStore(log, options.pollMs ?? 1000);
    await store.refresh();
    return store;
  }

  refresh(): Promise<void> {
    return this.follower.refresh();
  }

  /** First writer wins: a registration of a version that already exists is ignored. */
  private apply(event: CloudEvent): void {
    const d = event.data as Partial<SchemaVersion & { tenant: string; compatibility: CompatibilityMode }> | undefined;
    if (typeof d?.type !== 'string') return;
    const subjects = this.subjects(typeof d.tenant === 'string' ? d.tenant : '');
    const subject = subjects.get(d.type) ?? { compatibility: DEFAULT_COMPATIBILITY, versions: new Map<number, SchemaVersion>() };
    if (event.type === 'herald.schema.compatibility' && typeof d.compatibility === 'string') {
      subject.compatibility = d.compatibility;
    } else if (event.type === 'herald.schema.registered' && typeof d.version === 'number' && d.schema !== undefined && !subject.versions.has(d.version)) {
      const { tenant: _tenant, compatibility: _mode, ...version } = d;
      subject.versions.set(d.version, version as SchemaVersion);
    } else {
      return;
    }
    subjects.set(d.type, subject);
  }

  /** The subjects of one tenant ('' for none). */
  subjects(tenant: string): Map<string, Subject> {
    let subjects = this.tenants.get(tenant);
    if (!subjects) this.tenants.set(tenant, (subjects = new Map()));
    return subjects;
  }

  registry(tenant?: string): SchemaRegistry {
    if (tenant !== undefined) assertTenant(tenant);
    return new SchemaRegistry(this, tenant);
  }

  /** The validator shared by every registry of this store (compiled schemas are cached). */
  get schemaValidator(): SchemaValidator {
    return this.validator;
  }

  async append(type: 'herald.schema.registered' | 'herald.schema.compatibility', data: Record<string, unknown>): Promise<void> {
    await this.log.append(SCHEMAS_TOPIC, [createEvent({ type, source: SOURCE, data })]);
    await this.refresh();
  }

  close(): Promise<void> {
    return this.follower.close();
  }
}

/** One tenant's view of the registry. */
export class SchemaRegistry {
  constructor(private readonly store: SchemaStore, readonly tenant?: string) {}

  private get own(): Map<string, Subject> {
    return this.store.subjects(this.tenant ?? '');
  }

  types(): SchemaSubject[] {
    return [...this.own.entries()].filter(([, s]) => s.versions.size > 0).map(([type]) => this.subject(type)!).sort((a, b) => a.type.localeCompare(b.type));
  }

  subject(type: string): SchemaSubject | undefined {
    const s = this.own.get(type);
    if (!s || s.versions.size === 0) return undefined;
    const versions = [...s.versions.keys()].sort((a, b) => a - b);
    // The owner is the latest one named: a version registered without one keeps its predecessor's.
    const owner = versions.map((v) => s.versions.get(v)!.owner).filter((o) => o !== undefined).at(-1);
    return { type, compatibility: s.compatibility, versions, latest: versions.at(-1)!, ...(owner ? { owner } : {}) };
  }

  versions(type: string): SchemaVersion[] {
    return [...(this.own.get(type)?.versions.values() ?? [])].sort((a, b) => a.version - b.version);
  }

  /** One version, or the latest. */
  get(type: string, version?: number): SchemaVersion | undefined {
    const s = this.own.get(type);
    if (!s) return undefined;
    return version === undefined ? this.versions(type).at(-1) : s.versions.get(version);
  }

  compatibility(type: string): CompatibilityMode {
    return this.own.get(type)?.compatibility ?? DEFAULT_COMPATIBILITY;
  }

  /** Would `schema` be accepted as the next version of `type`? Nothing is written. */
  check(type: string, schema: unknown, options: { version?: number; compatibility?: CompatibilityMode } = {}): CheckResult {
    assertEventType(type);
    assertSchema(schema);
    this.store.schemaValidator.compile(schema);
    if (canonicalJson(schema).length > MAX_SCHEMA_BYTES) throw new HeraldError('HERALD_E_TOO_LARGE', `a schema is at most ${MAX_SCHEMA_BYTES} bytes`, { details: { field: 'schema' } });
    const mode = options.compatibility ?? this.compatibility(type);
    if (options.compatibility !== undefined) assertCompatibilityMode(options.compatibility);
    const all = this.versions(type);
    const fingerprint = fingerprintOf(schema);
    const latest = all.at(-1);
    const version = options.version ?? (latest?.fingerprint === fingerprint ? latest.version : (latest?.version ?? 0) + 1);
    if (!Number.isInteger(version) || version < 1) throw invalidArgument('version must be a positive integer', { field: 'version' });
    const existing = all.find((v) => v.version === version);
    if (existing) {
      if (existing.fingerprint === fingerprint) return { compatible: true, mode, changes: [], reasons: [], version, alreadyRegistered: true };
      const reason = `version ${version} of ${type} is already registered with another schema: versions are immutable, register version ${latest!.version + 1}`;
      return { compatible: false, mode, changes: [], reasons: [reason], version, alreadyRegistered: false };
    }
    if (latest && version < latest.version) {
      return { compatible: false, mode, changes: [], reasons: [`version ${version} is older than the latest version ${latest.version} of ${type}: versions only grow`], version, alreadyRegistered: false };
    }
    const result = checkCompatibility(mode, { version, schema }, all);
    return { ...result, version, alreadyRegistered: false };
  }

  /**
   * Registers `schema` (or a contract's) as a version of `type`, after checking it against the
   * type's compatibility mode: HERALD_E_INCOMPATIBLE_SCHEMA names each breaking change.
   */
  async register(type: string, schema: unknown, options: RegisterOptions = {}): Promise<{ version: SchemaVersion; created: boolean }> {
    if (options.owner !== undefined && (typeof options.owner !== 'string' || options.owner.length > 200)) throw invalidArgument('owner must be a string of at most 200 characters', { field: 'owner' });
    if (options.description !== undefined && (typeof options.description !== 'string' || options.description.length > 2000)) throw invalidArgument('description must be a string of at most 2000 characters', { field: 'description' });
    const result = this.check(type, schema, options);
    if (!result.compatible) {
      throw new HeraldError('HERALD_E_INCOMPATIBLE_SCHEMA', `${type} v${result.version} is not ${result.mode} compatible: ${result.reasons.join('; ')}`, {
        details: { type, version: result.version, mode: result.mode, changes: result.changes, reasons: result.reasons },
      });
    }
    if (options.compatibility !== undefined && options.compatibility !== this.compatibility(type)) await this.setCompatibility(type, options.compatibility);
    if (result.alreadyRegistered) return { version: this.get(type, result.version)!, created: false };
    const entry: SchemaVersion = {
      type, version: result.version, schema: schema as JsonSchema, fingerprint: fingerprintOf(schema as JsonSchema), registeredAt: new Date().toISOString(),
      ...(options.owner === undefined ? {} : { owner: options.owner }), ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.pii === undefined ? {} : { pii: { subject: options.pii.subject, fields: [...options.pii.fields] } }),
    };
    await this.store.append('herald.schema.registered', { ...(this.tenant === undefined ? {} : { tenant: this.tenant }), ...entry });
    const stored = this.get(type, entry.version);
    if (stored?.fingerprint !== entry.fingerprint) {
      throw new HeraldError('HERALD_E_BUSY', `another registration of ${type} v${entry.version} came first: check again and retry`, { details: { type, version: entry.version } });
    }
    return { version: stored, created: true };
  }

  /** Registers a contract's JSON Schema at the contract's version, with its PII fields. */
  registerContract(contract: EventContract<unknown>, options: Omit<RegisterOptions, 'version' | 'pii'> = {}): Promise<{ version: SchemaVersion; created: boolean }> {
    return this.register(contract.type, contractJsonSchema(contract), { ...options, version: contract.version, ...(contract.pii ? { pii: contract.pii } : {}) });
  }

  async setCompatibility(type: string, mode: CompatibilityMode): Promise<void> {
    assertEventType(type);
    assertCompatibilityMode(mode);
    await this.store.append('herald.schema.compatibility', { ...(this.tenant === undefined ? {} : { tenant: this.tenant }), type, compatibility: mode, setAt: new Date().toISOString() });
  }

  /**
   * Every way `event`'s data fails the schema it claims (its `dataschema` when that names a
   * registered version, else its type at `dataversion`, 1 when absent), each naming the field;
   * `undefined` when its type has no registered schema. Encrypted PII fields are accepted as
   * such; an event whose data is a claim check (`dataref`) is not checked here.
   */
  validate(event: CloudEvent): FieldIssue[] | undefined {
    if (!this.own.get(event.type)?.versions.size) return undefined;
    const version = versionOf(event);
    const entry = this.get(event.type, version);
    if (!entry) return [{ path: 'dataversion', message: `${event.type} has no registered version ${version} (registered: ${this.subject(event.type)!.versions.join(', ')})` }];
    if (event.data === undefined && typeof event.dataref === 'string') return [];
    if (event.data_base64 !== undefined) return [{ path: 'data_base64', message: `${event.type} has a JSON schema: send its data as JSON` }];
    const schema = entry.pii ? withEncryptedFields(entry.schema, entry.pii.fields) : entry.schema;
    return this.store.schemaValidator.issues(schema, event.data);
  }
}
