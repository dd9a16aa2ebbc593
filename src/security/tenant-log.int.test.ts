import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createEvent } from '../core/envelope.js';
import { MemoryLog } from '../log/memory/index.js';
import { FakeClock, runLogConformance } from '../../test/conformance/index.js';
import { TenantLog } from './tenant-log.js';

// A tenant's view must be a faithful EventLog: the whole conformance suite, each test in a new tenant of one shared log.
const clock = new FakeClock();
const shared = new MemoryLog({ clock });
after(() => shared.close());
let tenants = 0;
runLogConformance({ name: 'tenant view', clock, open: async () => new TenantLog(shared, `t${++tenants}`) });

describe('tenant isolation', () => {
  it('two tenants with the same topic and group names never see each other', async () => {
    const log = new MemoryLog();
    const a = new TenantLog(log, 'acme');
    const b = new TenantLog(log, 'globex');
    await a.append('orders', [createEvent({ type: 'secret.a', data: 1 })]);
    await b.append('orders', [createEvent({ type: 'secret.b', data: 2 })]);
    const readB = [];
    for await (const e of b.read('orders')) readB.push(e);
    assert.deepEqual(readB.map((e) => [e.topic, e.event.type, e.position]), [['orders', 'secret.b', 1]]);
    assert.deepEqual((await a.topics()).map((t) => t.topic), ['orders']);
    assert.deepEqual((await log.topics()).map((t) => t.topic).sort(), ['acme__orders', 'globex__orders']);
    await a.fetch('orders', 'g', { max: 10, leaseMs: 1000 });
    assert.deepEqual(await b.groups(), []);
    assert.equal((await b.fetch('orders', 'g', { max: 10, leaseMs: 1000 }))[0]?.event.type, 'secret.b');
  });

  it('names with __ are refused, so no tenant can reach another namespace; errors show the tenant\'s names', async () => {
    const log = new MemoryLog();
    const b = new TenantLog(log, 'globex');
    await assert.rejects(() => b.append('acme__orders', []), (e: Error & { details?: { field?: string } }) => e.details?.field === 'topic');
    await assert.rejects(() => b.topicInfo(`${'x'.repeat(195)}`), /too long for tenant globex/);
    const error = await b.requeue('orders', 'g', { specversion: '1.0', id: 'x', source: 's', type: 't' }, 0).catch((e: unknown) => e as Error);
    assert.ok(error instanceof Error && !error.message.includes('globex__'), String(error));
    assert.throws(() => new TenantLog(log, 'Bad_Name'), /tenant must be/);
  });
});
