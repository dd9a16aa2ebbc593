import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLog } from '../log/memory/index.js';
import { AUDIT_TOPIC, AuditLog, readAudit } from './audit.js';

const entry = (tenant: string, status: number) => ({ kind: 'denied' as const, method: 'GET', route: '/r', path: '/r', status, tenant });

describe('audit log', () => {
  it('appends entries in batches to herald.audit; a tenant reads only its own', async () => {
    const log = new MemoryLog();
    const audit = new AuditLog(log);
    for (let i = 0; i < 5; i++) audit.record(entry(i % 2 ? 'acme' : 'globex', 403));
    await audit.flush();
    assert.equal((await log.topicInfo(AUDIT_TOPIC))?.count, 5);
    const acme = await readAudit(log, 'acme');
    assert.equal(acme.length, 2);
    assert.ok(acme.every((e) => e.event.data.tenant === 'acme' && typeof (e.event.data as { at?: string }).at === 'string'));
    assert.equal((await readAudit(log, 'globex', { limit: 2 })).length, 2);
  });

  it('a full queue drops entries and records how many', async () => {
    const log = new MemoryLog();
    const audit = new AuditLog(log, { maxQueue: 3 });
    for (let i = 0; i < 10; i++) audit.record(entry('acme', 401));
    await audit.close();
    const types: string[] = [];
    for await (const e of log.read(AUDIT_TOPIC)) types.push(`${e.event.type}${e.event.type.endsWith('dropped') ? (e.event.data as { count: number }).count : ''}`);
    assert.deepEqual(types, ['herald.audit.denied', 'herald.audit.denied', 'herald.audit.denied', 'herald.audit.dropped7']);
  });

  it('a failing log reports the error and never throws at the caller', async () => {
    const log = new MemoryLog();
    await log.close();
    const errors: unknown[] = [];
    const audit = new AuditLog(log, { onError: (e) => errors.push(e) });
    audit.record(entry('acme', 401));
    await audit.close();
    assert.equal(errors.length, 1);
  });
});
