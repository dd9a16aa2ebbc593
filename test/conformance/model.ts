import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent, type CloudEvent } from '../../src/core/envelope.js';
import type { Delivery, EventLog, SettleOutcome, Settlement } from '../../src/log/types.js';
import type { FakeClock } from './fake-clock.js';
import { needsClock, type ConformanceTarget } from './helpers.js';
import { baseSeed, random, type Random } from './random.js';

/**
 * Model-based test (RELIABILITY R1, log level): random appends (with keys and retried ids),
 * fetches by three consumers, acks / nacks / releases / extends, consumer crashes and lease
 * expiries by moving the fake clock, checked against a plain model after every step:
 *
 * - at-least-once: every appended event is delivered until it is acked, then never again;
 * - an ack, nack, release or extend within a valid lease succeeds; one from a superseded lease is stale;
 * - attempt counts nacks and expiries, not releases; lastError is the latest nack's error;
 * - with keyOrder: a key is never out to two leases at once, a fetch hands out a key's events
 *   from its oldest unacked one, and each key's events are acked in position order.
 *
 * A failing run prints its seed; replay it with HERALD_SEED=<seed> (HERALD_RUNS=n for more runs).
 */
const TOPIC = 'model';
const GROUP = 'g';
const CONSUMERS = 3;
const KEYS = ['k0', 'k1', 'k2', 'k3'];
const LEASES = [20, 50, 100, 200];
const DELAYS = [0, 20, 100];
const STEPS = [1, 10, 30, 60, 120, 250];

interface ModelEvent {
  position: number;
  event: CloudEvent;
  key: string | undefined;
  acked: boolean;
  /** Attempt of the latest delivery (0: never delivered). */
  attempt: number;
  /** Lease of the latest delivery. */
  leaseId: number;
  /** The latest delivery was released (so the next one has the same attempt). */
  released: boolean;
  lastError: string | undefined;
}

interface Holding { d: Delivery; leaseUntil: number }

class ModelRun {
  private readonly events = new Map<number, ModelEvent>();
  private readonly byId = new Map<string, ModelEvent>();
  private readonly acked = new Map<string, number[]>();
  private readonly holdings: Map<number, Holding>[] = Array.from({ length: CONSUMERS }, () => new Map());
  readonly history: string[] = [];
  private failures = 0;

  constructor(private readonly log: EventLog, private readonly clock: FakeClock, private readonly rnd: Random) {}

  private get keyOrder(): boolean {
    return this.log.capabilities.keyOrder;
  }

  async run(): Promise<void> {
    const commands = this.rnd.between(20, 100);
    for (let i = 0; i < commands; i++) {
      const roll = this.rnd.next();
      const c = this.rnd.int(CONSUMERS);
      if (roll < 0.2) await this.append();
      else if (roll < 0.5) await this.fetch(c, this.rnd.between(1, 5), this.rnd.pick(LEASES));
      else if (roll < 0.8) await this.settle(c);
      else if (roll < 0.95) this.advance(this.rnd.pick(STEPS));
      else this.crash(c);
    }
    await this.drain();
  }

  private async append(): Promise<void> {
    const batch: CloudEvent[] = [];
    const known = [...this.byId.values()];
    for (let i = this.rnd.between(1, 4); i > 0; i--) {
      if (known.length > 0 && this.rnd.chance(0.1)) { batch.push(this.rnd.pick(known).event); continue; }
      const key = this.rnd.chance(0.2) ? undefined : this.rnd.pick(KEYS);
      batch.push(createEvent({ type: 'model.step', data: { i: this.byId.size + batch.length }, ...(key === undefined ? {} : { key }) }));
    }
    const receipts = await this.log.append(TOPIC, batch);
    const fresh = new Set<string>();
    receipts.forEach((r, i) => {
      const event = batch[i]!;
      const earlier = this.byId.get(event.id);
      if (earlier) {
        assert.deepEqual([r.duplicate, r.position], [true, earlier.position], `re-append of ${event.id} is a duplicate of ${earlier.position}`);
        return;
      }
      assert.equal(r.duplicate, fresh.has(event.id), `receipt ${i} duplicate flag`);
      if (r.duplicate) return;
      const last = Math.max(0, ...this.events.keys());
      assert.ok(r.position > last, `position ${r.position} after ${last}`);
      fresh.add(event.id);
      const m: ModelEvent = { position: r.position, event, key: event.partitionkey, acked: false, attempt: 0, leaseId: 0, released: false, lastError: undefined };
      this.events.set(r.position, m);
      this.byId.set(event.id, m);
    });
    this.history.push(`append ${receipts.map((r) => `${r.position}${r.duplicate ? '(dup)' : ''}#${batch.find((e) => e.id === r.id)?.partitionkey ?? '-'}`).join(' ')}`);
  }

  private async fetch(c: number, max: number, leaseMs: number): Promise<Delivery[]> {
    const now = this.clock.now();
    const ds = await this.log.fetch(TOPIC, GROUP, { max, leaseMs });
    this.history.push(`fetch c${c} max=${max} lease=${leaseMs} -> ${ds.map((d) => `${d.position}#${d.event.partitionkey ?? '-'}@${d.attempt}/L${d.leaseId}`).join(' ') || 'nothing'}`);
    assert.ok(ds.length <= max, `fetch returned ${ds.length} > max ${max}`);
    const lastOfKey = new Map<string, number>();
    for (const d of ds) {
      const m = this.events.get(d.position);
      assert.ok(m, `delivered unknown position ${d.position}`);
      assert.equal(d.event.id, m.event.id, `event at ${d.position}`);
      assert.equal(m.acked, false, `delivered ${d.position}, which was acked`);
      const expected = m.attempt === 0 ? 1 : m.released ? m.attempt : m.attempt + 1;
      assert.equal(d.attempt, expected, `attempt of ${d.position}`);
      assert.equal(d.lastError?.message, m.lastError, `lastError of ${d.position}`);
      assert.equal(d.leaseUntil, now + leaseMs, `leaseUntil of ${d.position}`);
      if (this.keyOrder && m.key !== undefined) {
        for (const [other, held] of this.holdings.entries()) {
          for (const h of held.values()) {
            if (h.d.event.partitionkey === m.key && h.d.leaseId !== d.leaseId && h.leaseUntil > now && !this.events.get(h.d.position)!.acked && this.current(h)) {
              assert.fail(`key ${m.key}: ${d.position} went to c${c} while c${other} holds ${h.d.position} under a valid lease`);
            }
          }
        }
        // The key's events go out from its oldest unacked one, with none skipped inside one fetch.
        const previous = lastOfKey.get(m.key) ?? 0;
        const next = [...this.events.values()].find((e) => e.key === m.key && !e.acked && e.position > previous);
        assert.equal(d.position, next?.position, `key ${m.key}: handed out ${d.position}, but ${next?.position} comes first`);
        lastOfKey.set(m.key, d.position);
      }
      m.attempt = d.attempt;
      m.leaseId = d.leaseId;
      m.released = false;
      this.holdings[c]!.set(d.position, { d, leaseUntil: d.leaseUntil });
    }
    return ds;
  }

  /** A holding is current when no later delivery of its event superseded its lease. */
  private current(h: Holding): boolean {
    return this.events.get(h.d.position)!.leaseId === h.d.leaseId;
  }

  private async settle(c: number): Promise<void> {
    const held = this.holdings[c]!;
    if (held.size === 0) return;
    const all = [...held.values()];
    const roll = this.rnd.next();
    if (roll < 0.15) {
      const h = this.rnd.pick(all);
      const leaseMs = this.rnd.pick(LEASES);
      const [outcome] = await this.send(c, [{ kind: 'extend', position: h.d.position, leaseId: h.d.leaseId, leaseMs }], [h]);
      if (outcome === 'ok') h.leaseUntil = this.clock.now() + leaseMs;
      return;
    }
    // Like the consumer runtime: work on one key's oldest held event; a failure gives back the rest of that key.
    const lane = this.rnd.pick(all).d.event.partitionkey;
    const inLane = lane === undefined ? [this.rnd.pick(all.filter((h) => h.d.event.partitionkey === undefined))]
      : all.filter((h) => h.d.event.partitionkey === lane).sort((a, b) => a.d.position - b.d.position);
    const [head, ...rest] = inLane as [Holding, ...Holding[]];
    const releases = rest.map((h): Settlement => ({ kind: 'release', position: h.d.position, leaseId: h.d.leaseId }));
    let settlements: Settlement[];
    if (roll < 0.7) settlements = [{ kind: 'ack', position: head.d.position, leaseId: head.d.leaseId }];
    else if (roll < 0.88) {
      const error = { message: `failure ${++this.failures}` };
      settlements = [{ kind: 'nack', position: head.d.position, leaseId: head.d.leaseId, delayMs: this.rnd.pick(DELAYS), error }, ...releases];
    } else settlements = [{ kind: 'release', position: head.d.position, leaseId: head.d.leaseId }, ...releases];
    const involved = settlements.length === 1 ? [head] : inLane;
    const outcomes = await this.send(c, settlements, involved);
    settlements.forEach((s, i) => {
      const m = this.events.get(s.position)!;
      held.delete(s.position);
      if (outcomes[i] !== 'ok') return;
      if (s.kind === 'ack') {
        if (this.keyOrder && m.key !== undefined) {
          const waiting = [...this.events.values()].filter((e) => e.key === m.key && e.position < m.position && !e.acked);
          assert.deepEqual(waiting.map((e) => e.position), [], `key ${m.key}: ${m.position} acked before earlier events`);
        }
        m.acked = true;
        this.acked.set(m.key ?? '', [...(this.acked.get(m.key ?? '') ?? []), m.position]);
      } else if (s.kind === 'nack') {
        m.lastError = s.error?.message;
      } else if (s.kind === 'release') {
        m.released = true;
      }
    });
  }

  /** Sends settlements and checks each outcome against what the model knows about its lease. */
  private async send(c: number, settlements: Settlement[], holdings: Holding[]): Promise<SettleOutcome[]> {
    const now = this.clock.now();
    const outcomes = await this.log.settle(TOPIC, GROUP, settlements);
    this.history.push(`settle c${c} ${settlements.map((s, i) => `${s.kind} ${s.position}/L${s.leaseId}=${outcomes[i]}`).join(', ')}`);
    assert.equal(outcomes.length, settlements.length, 'one outcome per settlement');
    settlements.forEach((s, i) => {
      const h = holdings[i]!;
      const m = this.events.get(s.position)!;
      if (m.acked || !this.current(h)) assert.equal(outcomes[i], 'stale', `${s.kind} of ${s.position} with a superseded lease or after its ack`);
      else if (h.leaseUntil > now) assert.equal(outcomes[i], 'ok', `${s.kind} of ${s.position} within its lease`);
    });
    return outcomes;
  }

  private advance(ms: number): void {
    this.clock.advance(ms);
    this.history.push(`advance ${ms}ms`);
  }

  private crash(c: number): void {
    this.holdings[c]!.clear();
    this.history.push(`crash c${c}`);
  }

  /** Lets every lease and delay run out, then consumes and acks everything: nothing may be missing. */
  private async drain(): Promise<void> {
    this.history.push('-- drain');
    for (let round = 0; ; round++) {
      assert.ok(round < 1_000, 'drain does not finish');
      this.clock.advance(1_000);
      const unacked = [...this.events.values()].filter((m) => !m.acked);
      const ds = await this.fetch(0, 50, 10_000);
      if (ds.length === 0) {
        assert.deepEqual(unacked.map((m) => m.position), [], 'events never delivered again although unacked (at-least-once)');
        break;
      }
      const outcomes = await this.send(0, ds.map((d) => ({ kind: 'ack', position: d.position, leaseId: d.leaseId })), ds.map((d) => this.holdings[0]!.get(d.position)!));
      assert.deepEqual(outcomes, ds.map(() => 'ok'));
      for (const d of ds) {
        const m = this.events.get(d.position)!;
        if (this.keyOrder && m.key !== undefined) {
          assert.ok([...this.events.values()].every((e) => e.key !== m.key || e.position >= m.position || e.acked), `key ${m.key}: ${m.position} acked before earlier events`);
        }
        m.acked = true;
        this.holdings[0]!.delete(d.position);
      }
    }
    for (const [c, held] of this.holdings.entries()) {
      const left = [...held.values()];
      if (left.length === 0) continue;
      const outcomes = await this.send(c, left.map((h) => ({ kind: 'ack', position: h.d.position, leaseId: h.d.leaseId })), left);
      assert.ok(outcomes.every((o) => o === 'stale'), 'a leftover lease acked an event twice');
    }
    const [info] = await this.log.groups(TOPIC);
    assert.equal(info?.pending ?? 0, 0, 'pending after drain');
    assert.equal(info?.lag ?? 0, 0, 'lag after drain');
  }
}

export function modelSuite(target: ConformanceTarget): void {
  const fromEnv = process.env.HERALD_SEED !== undefined && process.env.HERALD_SEED !== '';
  const runs = Number(process.env.HERALD_RUNS ?? (fromEnv ? 1 : 100));
  describe(`${target.name}: model-based log simulation`, () => {
    it(`${runs} random runs of appends, fetches, settlements, crashes and expiries match the model`, { skip: needsClock(target) }, async () => {
      const base = baseSeed();
      for (let i = 0; i < runs; i++) {
        const seed = (base + i) >>> 0;
        const log = await target.open();
        const run = new ModelRun(log, target.clock!, random(seed));
        try {
          await run.run();
        } catch (error) {
          const tail = run.history.slice(-40).map((line) => `  ${line}`).join('\n');
          throw new Error(`model run failed (seed ${seed}; replay with HERALD_SEED=${seed}): ${(error as Error).message}\nlast steps:\n${tail}`, { cause: error });
        } finally {
          await log.close();
        }
      }
    });
  });
}
