import { createEvent } from '../core/envelope.js';
import { HeraldError, invalidArgument } from '../core/errors.js';
import { TopicFollower } from '../log/topic-follower.js';
import type { EventLog, StoredEvent } from '../log/types.js';
import { generateApiKey, keyIdOf, keyMatches } from './api-keys.js';
import { formatGrant, parseGrants, type Grant } from './permissions.js';
import { assertTenant } from './tenants.js';

/**
 * API keys, kept as events in the log's own topic `herald.keys` (no tenant can name it): a
 * `herald.key.created` event holds the key's id, tenant, permissions and SHA-256 hash, never
 * the secret; `herald.key.revoked` revokes it. Every server on the log replays the topic at
 * start and follows it (on its own appends at once, others' within `pollMs`), so a key created
 * or revoked by the CLI or another replica takes effect without a restart.
 */
export const KEYS_TOPIC = 'herald.keys';
const SOURCE = 'urn:herald:keys';

export interface KeyInfo {
  id: string;
  tenant: string;
  name?: string;
  permissions: string[];
  createdAt: string;
  /** After this the key no longer authenticates. */
  expiresAt?: string;
  revokedAt?: string;
}

interface KeyRecord extends KeyInfo {
  hash: string;
  grants: Grant[];
}

export type Authentication =
  | { ok: true; key: KeyInfo; grants: readonly Grant[] }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

export interface CreateKeyOptions {
  tenant: string;
  permissions: readonly string[];
  name?: string;
  /** When the key stops working (default: never). */
  expiresAt?: Date;
}

export class KeyStore {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly revokeListeners = new Set<(id: string) => void>();
  private readonly follower: TopicFollower;

  private constructor(private readonly log: EventLog, pollMs: number) {
    this.follower = new TopicFollower(log, KEYS_TOPIC, (stored) => this.apply(stored), pollMs);
  }

  /** Loads every key from the log; `pollMs` (default 1000, 0: never) is how often it looks for changes made elsewhere. */
  static async open(log: EventLog, options: { pollMs?: number } = {}): Promise<KeyStore> {
    const store = new KeyStore(log, options.pollMs ?? 1000);
    await store.refresh();
    return store;
  }

  /** Reads what was appended to `herald.keys` since the last look. */
  refresh(): Promise<void> {
    return this.follower.refresh();
  }

  private apply(stored: StoredEvent): void {
    const data = stored.event.data as Partial<KeyRecord> & { id?: string; revokedAt?: string };
    if (typeof data?.id !== 'string') return;
    if (stored.event.type === 'herald.key.created' && typeof data.hash === 'string' && typeof data.tenant === 'string') {
      let grants: Grant[];
      try {
        grants = parseGrants(data.permissions);
      } catch {
        return;
      }
      this.keys.set(data.id, {
        id: data.id, tenant: data.tenant, permissions: grants.map(formatGrant), grants, hash: data.hash,
        createdAt: String(data.createdAt), ...(typeof data.name === 'string' ? { name: data.name } : {}),
        ...(typeof data.expiresAt === 'string' ? { expiresAt: data.expiresAt } : {}),
      });
    } else if (stored.event.type === 'herald.key.revoked') {
      const key = this.keys.get(data.id);
      if (key && key.revokedAt === undefined) {
        key.revokedAt = String(data.revokedAt);
        for (const listener of this.revokeListeners) listener(key.id);
      }
    }
  }

  /** Creates a key; the returned `key` (with its secret) is the only copy there will ever be. */
  async create(options: CreateKeyOptions): Promise<{ key: string; info: KeyInfo }> {
    assertTenant(options.tenant);
    const grants = parseGrants(options.permissions);
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length > 100)) {
      throw invalidArgument('name must be a string of at most 100 characters', { field: 'name' });
    }
    if (options.expiresAt !== undefined && !(options.expiresAt instanceof Date && Number.isFinite(options.expiresAt.getTime()))) {
      throw invalidArgument('expiresAt must be a valid date', { field: 'expiresAt' });
    }
    const made = generateApiKey();
    const data = {
      id: made.id, tenant: options.tenant, permissions: grants.map(formatGrant), hash: made.hash,
      createdAt: new Date().toISOString(), ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt.toISOString() }),
    };
    await this.log.append(KEYS_TOPIC, [createEvent({ type: 'herald.key.created', source: SOURCE, data })]);
    await this.refresh();
    return { key: made.key, info: this.info(made.id)! };
  }

  /** Revokes key `id` (of `tenant`, when given: another tenant's key reads as missing). */
  async revoke(id: string, tenant?: string): Promise<KeyInfo> {
    const key = this.keys.get(id);
    if (!key || (tenant !== undefined && key.tenant !== tenant)) throw new HeraldError('HERALD_E_NOT_FOUND', `no key ${JSON.stringify(id)}`);
    if (key.revokedAt === undefined) {
      await this.log.append(KEYS_TOPIC, [createEvent({ type: 'herald.key.revoked', source: SOURCE, data: { id, revokedAt: new Date().toISOString() } })]);
      await this.refresh();
    }
    return this.info(id)!;
  }

  /** Checks a presented key: one map lookup by its public id, then a constant-time hash comparison. */
  authenticate(presented: string): Authentication {
    const id = keyIdOf(presented);
    if (id === undefined) return { ok: false, reason: 'malformed' };
    const key = this.keys.get(id);
    if (!keyMatches(presented, key?.hash)) return { ok: false, reason: 'unknown' };
    if (key!.revokedAt !== undefined) return { ok: false, reason: 'revoked' };
    if (key!.expiresAt !== undefined && Date.parse(key!.expiresAt) <= Date.now()) return { ok: false, reason: 'expired' };
    return { ok: true, key: this.info(id)!, grants: key!.grants };
  }

  info(id: string): KeyInfo | undefined {
    const key = this.keys.get(id);
    if (!key) return undefined;
    const { hash: _hash, grants: _grants, ...info } = key;
    return { ...info, permissions: [...info.permissions] };
  }

  list(tenant?: string): KeyInfo[] {
    return [...this.keys.values()].filter((k) => tenant === undefined || k.tenant === tenant).map((k) => this.info(k.id)!);
  }

  get size(): number {
    return this.keys.size;
  }

  onRevoke(listener: (id: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  close(): Promise<void> {
    return this.follower.close();
  }
}
