import type { CloudEvent } from '../core/envelope.js';
import { HeraldError, invalidArgument } from '../core/errors.js';
import type { AppendReceipt, EventLog } from '../log/types.js';
import { SchemaStore, type SchemaRegistry } from '../schema/registry.js';
import { assertPattern, matches } from '../security/patterns.js';
import { ReplayGuard, replayKey } from '../security/replay-guard.js';
import { DEFAULT_TOLERANCE_SECONDS, KeyRing, TIMESTAMP_EXTENSION, stripUnsigned, type VerifyingKey } from '../security/signing.js';

/** Which topics need signed events, and from which keys. */
export interface SignaturePolicy {
  keys: readonly VerifyingKey[];
  /** Events published to a topic matching `topics` (a pattern, as in permissions) must be signed by one of `keys` (default: any key above). */
  require: readonly { topics: string; keys?: readonly string[] }[];
  /** Seconds a signature's timestamp may be away from the server's clock (default 300, as Standard Webhooks). */
  toleranceSeconds?: number;
}

export interface GovernanceOptions {
  /** Refuse published events whose data fails their type's registered schema (default true). */
  validateSchemas?: boolean;
  signatures?: SignaturePolicy;
  /** How often registrations made elsewhere are picked up (default 1000 ms). */
  schemaPollMs?: number;
}

/**
 * The server's checks on what is published, before it is appended: the data against the
 * registered schema of its type (tenant by tenant), and, on the topics a policy names, the
 * signature and replay protection. A batch is refused whole, naming each failing event.
 * On a signed topic an event is appended without the attributes its signature does not cover:
 * they are input nobody vouches for, and a reader that does not verify (a read, a tail, the
 * console) would otherwise show them beside a valid signature. Stripping keeps it verifiable.
 */
export class ServerGovernance {
  private readonly ring: KeyRing | undefined;
  private readonly guard = new ReplayGuard();

  private constructor(readonly schemas: SchemaStore, private readonly options: GovernanceOptions) {
    const policy = options.signatures;
    if (policy) {
      this.ring = new KeyRing(policy.keys);
      for (const [i, rule] of policy.require.entries()) {
        assertPattern(rule.topics, `signatures.require[${i}].topics`);
        for (const id of rule.keys ?? []) if (!this.ring.has(id)) throw invalidArgument(`signatures.require[${i}] names key ${id}, which is not in signatures.keys`, { field: `signatures.require[${i}].keys` });
      }
    }
  }

  static async open(log: EventLog, options: GovernanceOptions = {}): Promise<ServerGovernance> {
    return new ServerGovernance(await SchemaStore.open(log, { pollMs: options.schemaPollMs ?? 1000 }), options);
  }

  /** The registry of `tenant` (the whole log's in --dev mode). */
  registry(tenant: string | undefined): SchemaRegistry {
    return this.schemas.registry(tenant);
  }

  private rule(topic: string): { keys?: readonly string[] } | undefined {
    return this.options.signatures?.require.find((r) => matches(r.topics, topic));
  }

  /**
   * Throws (nothing appended) unless every event may be published to `topic`; returns what to
   * append: the events, on a signed topic without their unsigned attributes (`stripUnsigned`).
   */
  admit(tenant: string | undefined, topic: string, events: readonly CloudEvent[]): CloudEvent[] {
    const batch = events.length > 1;
    const at = (i: number): string => (batch ? `events[${i}].` : 'event.');
    const rule = this.rule(topic);
    const now = Date.now();
    const tolerance = this.options.signatures?.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    return events.map((received, i) => {
      let event = received;
      if (rule && this.ring) {
        try {
          this.ring.verify(event, { toleranceSeconds: tolerance, now, ...(rule.keys ? { allowedKeys: rule.keys } : {}) });
          this.guard.check(replayKey(event), `${topic}#new`, now, event.id);
        } catch (error) {
          if (error instanceof HeraldError && batch) throw new HeraldError(error.code, `events[${i}]: ${error.message}`, { details: { ...error.details, index: i } });
          throw error;
        }
        event = stripUnsigned(event);
      }
      if (this.options.validateSchemas === false) return event;
      const issues = this.registry(tenant).validate(event);
      if (issues && issues.length > 0) {
        const text = issues.map((issue) => `${at(i)}${issue.path}: ${issue.message}`).join('; ');
        throw new HeraldError('HERALD_E_INVALID_EVENT', `${event.type} does not match its registered schema: ${text}`, {
          details: { issues: issues.map((issue) => ({ index: i, ...issue })) },
        });
      }
      return event;
    });
  }

  /** Remembers the signed events just appended, so a copy within the window is refused as a replay. */
  accepted(topic: string, events: readonly CloudEvent[], receipts: readonly AppendReceipt[]): void {
    if (!this.rule(topic)) return;
    const tolerance = (this.options.signatures?.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS) * 1000;
    const now = Date.now();
    events.forEach((event, i) => {
      const ts = Number(event[TIMESTAMP_EXTENSION]) * 1000;
      this.guard.record(replayKey(event), `${topic}#${receipts[i]?.position ?? 0}`, ts + tolerance, now);
    });
  }

  close(): Promise<void> {
    return this.schemas.close();
  }
}
