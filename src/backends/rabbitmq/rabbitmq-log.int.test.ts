/** What the shared suites cannot see: several log instances on one namespace, and a broker that is not there. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import amqp from 'amqplib';
import { createEvent } from '../../core/envelope.js';
import { SERVICE_URLS, requireService } from '../../../test/services.js';
import { dropRabbitNamespace, openRabbitLog, type RabbitLog } from './index.js';

const url = SERVICE_URLS.rabbitmq;
const prefixes: string[] = [];
const namespace = (): string => {
  const prefix = `hl${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
};
after(async () => { for (const prefix of prefixes) await dropRabbitNamespace({ url, prefix }); });

async function pair(): Promise<[RabbitLog, RabbitLog]> {
  const prefix = namespace();
  return [await openRabbitLog({ url, prefix }), await openRabbitLog({ url, prefix })];
}

describe('rabbitmq: several instances on one namespace', () => {
  it('the same id appended by two instances at once is stored once: the first copy in the stream wins', async (t) => {
    if (!await requireService('rabbitmq', (m) => t.skip(m))) return;
    const [a, b] = await pair();
    try {
      for (let round = 0; round < 5; round++) {
        const event = createEvent({ type: 'dup.race', data: { round } });
        const [[ra], [rb]] = await Promise.all([a.append('race', [event]), b.append('race', [event])]);
        assert.equal(ra!.position, rb!.position, 'both receipts name the first copy');
        assert.equal([ra!.duplicate, rb!.duplicate].filter((d) => !d).length, 1, 'exactly one appender wrote it');
      }
      for (const log of [a, b]) {
        const stored = [];
        for await (const s of log.read('race')) stored.push(s);
        assert.equal(stored.length, 5, 'reads skip the later copies');
        assert.equal((await log.topicInfo('race'))?.count, 5);
      }
      const delivered = await a.fetch('race', 'g', { max: 100, leaseMs: 60_000 });
      assert.equal(delivered.length, 5, 'a group gets each event once');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('onAppend hears appends made by another instance, and admin views converge', async (t) => {
    if (!await requireService('rabbitmq', (m) => t.skip(m))) return;
    const [a, b] = await pair();
    try {
      let heard = 0;
      const off = b.onAppend('news', () => { heard++; });
      await b.topicInfo('news'); // let b's replica start before a appends (it would catch up anyway)
      await a.append('news', [createEvent({ type: 'n', data: 1 }), createEvent({ type: 'n', data: 2 })]);
      const deadline = Date.now() + 5_000;
      while (heard === 0) {
        assert.ok(Date.now() < deadline, 'b never heard of a\'s append');
        await new Promise((r) => setTimeout(r, 5));
      }
      off();
      const [d] = await b.fetch('news', 'g', { max: 1, leaseMs: 60_000 });
      assert.deepEqual(await a.settle('news', 'g', [{ kind: 'ack', position: d!.position, leaseId: d!.leaseId }]), ['ok'], 'a lease taken in b can be acked from a');
      assert.deepEqual((await a.groups('news')).map((g) => [g.group, g.pending, g.lag]), [['g', 0, 1]]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('rabbitmq: a batch whose append failed half-way', () => {
  it('events that reached the data stream without an announce still reach groups at the next fetch', async (t) => {
    if (!await requireService('rabbitmq', (m) => t.skip(m))) return;
    const prefix = namespace();
    const log = await openRabbitLog({ url, prefix });
    const conn = await amqp.connect(url);
    try {
      await log.append('half', [createEvent({ type: 'x', data: 0 })]);
      // What an appender that died after its data was confirmed, before announcing it, leaves behind.
      const ch = await conn.createConfirmChannel();
      const stranded = createEvent({ type: 'x', data: 1 });
      ch.sendToQueue(`${prefix}.data.half`, Buffer.from(JSON.stringify(stranded)), {
        headers: { 'herald-tag': 'dead.1', 'herald-id': stranded.id, 'herald-type': 'x', 'herald-at': Date.now() },
      });
      await ch.waitForConfirms();
      const deadline = Date.now() + 5_000;
      while ((await log.topicInfo('half'))?.count !== 2) {
        assert.ok(Date.now() < deadline, 'the stranded event never showed up in the index');
        await new Promise((r) => setTimeout(r, 5));
      }
      const got = await log.fetch('half', 'g', { max: 10, leaseMs: 60_000 });
      assert.deepEqual(got.map((d) => d.event.id).at(-1), stranded.id);
      assert.equal(got.length, 2);
    } finally {
      await conn.close();
      await log.close();
    }
  });
});

describe('rabbitmq: connection failures', () => {
  it('an unreachable broker is HERALD_E_UNAVAILABLE (retryable) and the password is never shown', async () => {
    const error = await openRabbitLog({ url: 'amqp://guest:s3cret-pw@127.0.0.1:1', timeoutMs: 2_000 }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof Error);
    const e = error as Error & { code?: string; retryable?: boolean };
    assert.equal(e.code, 'HERALD_E_UNAVAILABLE');
    assert.equal(e.retryable, true);
    assert.doesNotMatch(e.message, /s3cret-pw/);
    assert.match(e.message, /guest:\*\*\*@127\.0\.0\.1:1/);
  });

  it('deleteTopic by one instance: the other goes on with the name made again; a late settle is stale', async (t) => {
    if (!await requireService('rabbitmq', (m) => t.skip(m))) return;
    const [a, b] = await pair();
    try {
      await a.append('doomed', [1, 2, 3].map((n) => createEvent({ type: 'x', data: n })));
      const held = await a.fetch('doomed', 'g', { max: 2, leaseMs: 30_000 });
      assert.equal(held.length, 2);
      assert.equal(await b.deleteTopic('doomed'), true);
      assert.equal(await a.topicInfo('doomed'), undefined, 'gone for the instance that used it too');
      assert.equal(await b.deleteTopic('doomed'), false, 'a second delete finds nothing');
      const [again] = await a.append('doomed', [createEvent({ type: 'x', data: 4 })]);
      assert.equal(again!.position, 1, 'the name starts again from position 1');
      assert.deepEqual(await a.settle('doomed', 'g', held.map((d) => ({ kind: 'ack' as const, position: d.position, leaseId: d.leaseId }))), ['stale', 'stale']);
      assert.deepEqual((await a.fetch('doomed', 'g', { max: 10, leaseMs: 30_000 })).map((d) => d.event.data), [4], 'the group starts afresh');
      assert.equal((await b.topicInfo('doomed'))?.count, 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('appends racing a delete: what is stored afterwards is an unbroken run of the last acknowledged appends', async (t) => {
    if (!await requireService('rabbitmq', (m) => t.skip(m))) return;
    const [a, b] = await pair();
    try {
      const acked: number[] = [];
      let deletedAfter = -1; // how many appends were acknowledged when the delete returned
      const appending = (async () => {
        for (let n = 0; n < 150; n++) {
          for (;;) {
            try {
              await a.append('busy', [createEvent({ type: 'x', data: n })]);
              acked.push(n);
              break;
            } catch (error) {
              if (!(error as { retryable?: boolean }).retryable) throw error;
            }
          }
        }
      })();
      while (acked.length < 50) await new Promise((r) => setTimeout(r, 5));
      assert.equal(await b.deleteTopic('busy'), true);
      deletedAfter = acked.length;
      await appending;
      const stored: number[] = [];
      for await (const e of a.read('busy')) stored.push(e.event.data as number);
      assert.equal(acked.length, 150);
      t.diagnostic(`${stored.length} of 150 stored after the delete (${deletedAfter} acknowledged when it returned)`);
      assert.ok(stored.length >= 150 - deletedAfter, `every append acknowledged after the delete returned is stored (${stored.length} stored, delete at ${deletedAfter})`);
      assert.deepEqual(stored, acked.slice(150 - stored.length), 'a suffix of what was acknowledged, in order, nothing twice');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a log whose streams were deleted under it fails with HERALD_E_UNAVAILABLE instead of hanging', async (t) => {
    if (!await requireService('rabbitmq', (m) => t.skip(m))) return;
    const prefix = namespace();
    const log = await openRabbitLog({ url, prefix, timeoutMs: 3_000 });
    try {
      await log.append('doomed', [createEvent({ type: 'x', data: 1 })]);
      await dropRabbitNamespace({ url, prefix });
      await new Promise((r) => setTimeout(r, 100));
      const error = await log.fetch('doomed', 'g', { max: 1, leaseMs: 1_000 }).then(() => undefined, (e: unknown) => e);
      assert.equal((error as { code?: string } | undefined)?.code, 'HERALD_E_UNAVAILABLE', String(error));
    } finally {
      await log.close();
    }
  });
});
