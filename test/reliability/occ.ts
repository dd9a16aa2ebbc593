/**
 * R9 scenarios, shared by both backends (occ.int.test.ts): an optimistic-concurrency race on one
 * stream, and an idempotent resend of known ids after a reopen and after 25 h on a fake clock.
 */
import assert from 'node:assert/strict';
import { createEvent, type CloudEvent } from '../../src/core/envelope.js';
import { isHeraldError } from '../../src/core/errors.js';
import type { StreamLog } from '../../src/log/streams.js';
import type { AppendReceipt, EventLog } from '../../src/log/types.js';
import type { FakeClock } from '../conformance/fake-clock.js';
import { check, describeResult, History } from './history.js';

export interface RaceFigures { appends: number; attempts: number; conflicts: number; ms: number }

/**
 * `writers.length` writers each append `each` single events to `stream`, every one with the
 * revision it believes current (first from `streamInfo`, then from the conflict's
 * `actualRevision`), retrying on HERALD_E_WRONG_REVISION. Any other error fails the run.
 * Checks: revisions 1..N each written once, by the attempt that won it; every conflicted attempt
 * invisible (history `aborted-read`); the topic holds exactly the winners (no lost, no gap).
 */
export async function occRace(writers: readonly StreamLog[], stream: string, each: number): Promise<RaceFigures> {
  const history = new History();
  const winners = new Map<number, string>();
  let attempts = 0;
  let conflicts = 0;
  let topic = '';
  const started = Date.now();
  await Promise.all(writers.map(async (log, w) => {
    let expected = (await log.streams.streamInfo(stream))?.revision ?? 0;
    for (let n = 0; n < each; n++) {
      for (let attempt = 0; ; attempt++) {
        const id = `w${w}-${n}-${attempt}`;
        history.invoke(`w${w}`, 'stream', stream, id);
        attempts++;
        try {
          const result = await log.streams.appendToStream(stream, [createEvent({ id, type: 'occ.tick', data: { w, n } })], { expectedRevision: expected });
          const receipt = result.receipts[0]!;
          topic = receipt.topic;
          history.ok(id, receipt.position);
          assert.equal(result.revision, expected + 1, `${id} won revision ${expected + 1}`);
          assert.equal(winners.get(result.revision), undefined, `revision ${result.revision} won twice (${winners.get(result.revision)} and ${id})`);
          winners.set(result.revision, id);
          expected = result.revision;
          break;
        } catch (error) {
          if (!isHeraldError(error, 'HERALD_E_WRONG_REVISION')) { history.info(id); throw error; }
          history.fail(id);
          conflicts++;
          const actual = error.details.actualRevision;
          assert.ok(typeof actual === 'number' && actual > expected, `a conflict names a newer revision (${String(actual)} > ${expected})`);
          expected = actual;
        }
      }
    }
  }));
  const ms = Date.now() - started;
  const total = writers.length * each;
  const recorded: { revision: number; id: string }[] = [];
  for await (const e of writers[0]!.streams.readStream(stream)) recorded.push({ revision: e.revision, id: e.event.id });
  assert.deepEqual(recorded.map((e) => e.revision), Array.from({ length: total }, (_, i) => i + 1), 'revisions 1..N, contiguous, each once');
  assert.deepEqual(recorded.map((e) => e.id), recorded.map((e) => winners.get(e.revision)), 'each revision holds the attempt that won it');
  // The stream's topic, read in full: winners only, contiguous (the history labels it 'stream').
  const seen = [];
  for await (const e of writers[0]!.read(topic)) seen.push({ position: e.position, id: e.event.id, key: stream });
  history.read('stream', seen);
  const result = check(history.ops, { contiguous: true });
  console.log(`R9 OCC ${stream}: ${total} appends, ${attempts} attempts, ${conflicts} typed conflicts, ${ms} ms; ${describeResult(result)}`);
  assert.equal(result.anomalies.length, 0, describeResult(result));
  assert.equal(seen.length, total, `the topic holds exactly ${total} events`);
  assert.equal(conflicts, attempts - total, 'every losing attempt got HERALD_E_WRONG_REVISION');
  return { appends: total, attempts, conflicts, ms };
}

type Open = () => Promise<EventLog>;

/**
 * Appends `count` events to `topic` in batches, then resends the same ids (same batches) after
 * closing and reopening the log, and again after moving `clock` forward 25 h: 0 new events, and
 * every resend returns the original receipt (same position, same append time) marked duplicate.
 */
export async function resendAfterRestart(open: Open, clock: FakeClock, topic: string, count: number): Promise<void> {
  const batch = 500;
  const events: CloudEvent[] = Array.from({ length: count }, (_, n) => createEvent({ id: `r${n}`, type: 'resend.tick', key: `k${n % 64}`, data: { n } }));
  const send = async (log: EventLog): Promise<AppendReceipt[]> => {
    const out: AppendReceipt[] = [];
    for (let i = 0; i < events.length; i += batch) out.push(...await log.append(topic, events.slice(i, i + batch)));
    return out;
  };
  let log = await open();
  const original = await send(log);
  assert.ok(original.every((r) => !r.duplicate), 'the first send writes every event');
  const phases: [string, () => void][] = [['after a restart', () => undefined], ['after 25 h on a fake clock', () => clock.advance(25 * 3_600_000)]];
  for (const [phase, before] of phases) {
    await log.close();
    before();
    log = await open();
    const started = Date.now();
    const again = await send(log);
    const ms = Date.now() - started;
    const fresh = again.filter((r) => !r.duplicate).length;
    const moved = again.filter((r, i) => r.position !== original[i]!.position || r.appendedAt !== original[i]!.appendedAt || r.id !== original[i]!.id).length;
    let stored = 0;
    for await (const _ of log.read(topic)) stored++;
    console.log(`R9 resend ${count} ids ${phase}: ${fresh} new, ${moved} receipts differ from the originals, ${stored} stored, ${ms} ms`);
    assert.equal(fresh, 0, `0 new events on resend ${phase}`);
    assert.equal(moved, 0, `the original receipts come back ${phase}`);
    assert.equal(stored, count, `the topic still holds ${count} events ${phase}`);
  }
  await log.close();
}
