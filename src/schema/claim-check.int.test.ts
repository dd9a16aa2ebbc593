import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CloudEvent } from '../core/envelope.js';
import { openHerald, type Herald } from '../herald.js';
import { MemoryLog } from '../log/memory/index.js';
import { FileBlobStore } from './blob-store.js';
import { checkOut, claimOf, DATAREF_PREFIX, sweepBlobs } from './claim-check.js';

const dirs: string[] = [];
const tempDir = (): string => { const d = mkdtempSync(join(tmpdir(), 'herald-claims-')); dirs.push(d); return d; };
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const big = { orderId: 'o-1', lines: Array.from({ length: 5000 }, (_, i) => ({ sku: `sku-${i}`, note: 'x'.repeat(50) })) };
const sizeOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
}

for (const backend of ['sqlite', 'memory'] as const) {
  describe(`claim checks on the ${backend} backend`, () => {
    it('stores a payload above 256 KiB in the blob store, and consumers get it back transparently', async () => {
      const dir = tempDir();
      const blobs = new FileBlobStore(join(dir, 'blobs'));
      assert.ok(sizeOf(big) > 256 * 1024);
      const herald: Herald = await openHerald({ ...(backend === 'sqlite' ? { path: join(dir, 'herald.db'), durability: 'os' } : { log: new MemoryLog() }), governance: { claimCheck: { store: blobs } } });
      try {
        await herald.publish('orders', { type: 'order.imported', data: big });
        await herald.publish('orders', { type: 'order.small', data: { orderId: 'o-2' } });
        const stored: CloudEvent[] = [];
        for await (const e of herald.read('orders')) stored.push(e.event);
        assert.equal(stored[0]!.data, undefined, 'the log holds no payload');
        assert.match(String(stored[0]!.dataref), new RegExp(`^${DATAREF_PREFIX}[0-9a-f]{64}$`));
        assert.ok(sizeOf(stored[0]) < 1024, 'the stored event is small');
        assert.deepEqual(stored[1]!.data, { orderId: 'o-2' }, 'small events are stored as they are');
        if (backend === 'sqlite') {
          const disk = Buffer.concat(['herald.db', 'herald.db-wal'].map((f) => readFileSync(join(dir, f))));
          assert.ok(!disk.includes('sku-4999'), 'the payload is not in the database files');
        }
        const seen: CloudEvent[] = [];
        const sub = herald.subscribe('orders', { group: 'importer' }, (event) => { seen.push(event); });
        await waitFor(() => seen.length === 2);
        await sub.close();
        const imported = seen.find((e) => e.type === 'order.imported')!;
        assert.deepEqual(imported.data, big);
        assert.equal(imported.dataref, undefined);
        assert.deepEqual((await herald.open(stored[0]!)).data, big, 'open() fetches it for read and consume');
      } finally {
        await herald.close();
      }
    });

    it('sweeps blobs whose event left the log, keeps the others, and refuses a blob that does not match its hash', async () => {
      const dir = tempDir();
      const blobs = new FileBlobStore(join(dir, 'blobs'));
      const herald = await openHerald({ ...(backend === 'sqlite' ? { path: join(dir, 'herald.db'), durability: 'os' } : { log: new MemoryLog() }), governance: { claimCheck: { store: blobs, thresholdBytes: 1024 } } });
      try {
        const [gone] = await herald.publishAll('orders', [{ type: 'a', data: { n: 1, pad: 'a'.repeat(2000) } }, { type: 'b', data: { n: 2, pad: 'b'.repeat(2000) } }]);
        const stored: CloudEvent[] = [];
        for await (const e of herald.read('orders')) stored.push(e.event);
        const [goneId, keptId] = stored.map((e) => claimOf(e)!);
        assert.equal(await herald.log.deleteEvent('orders', gone!.position), true);
        assert.deepEqual(await sweepBlobs(herald.log, blobs, { graceMs: 60_000 }), { scanned: 1, live: 1, deleted: 0 }, 'young blobs are kept (grace period)');
        assert.deepEqual(await sweepBlobs(herald.log, blobs, { graceMs: 0, now: Date.now() + 1000 }), { scanned: 1, live: 1, deleted: 1 });
        assert.equal(await blobs.get(goneId!), undefined);
        assert.ok(await blobs.get(keptId!), 'the referenced blob stays');
        writeFileSync(join(dir, 'blobs', keptId!.slice(0, 2), keptId!.slice(2)), '{"data":{"n":666}}');
        await assert.rejects(checkOut(stored[1]!, blobs), /does not match its hash/);
        assert.equal(readdirSync(join(dir, 'blobs')).length, 2);
      } finally {
        await herald.close();
      }
    });
  });
}
