import { AUDIT_TOPIC, readAudit } from '../../security/audit.js';
import type { StoredEvent } from '../../log/types.js';
import { integer, limitQuery } from '../params.js';
import { queryOf, type RouteDef } from '../route.js';

/** The tenant's audit trail: its admin actions and the requests that were refused with its keys. */
export function auditRoutes(): RouteDef[] {
  return [{
    id: 'audit', method: 'GET', url: '/v1/audit', tag: 'admin', permission: { kind: 'tenant', action: 'admin' },
    summary: 'Audit entries of the tenant, oldest first: admin actions and denied requests (never a secret).',
    query: {
      from: { description: 'start at this position of the audit topic', type: 'integer' },
      limit: { description: '1-1000 (default 100)', type: 'integer' },
    },
    response: '{ entries: [{ position, appendedAt, type, entry }] }',
    handler: async (req, _reply, ctx) => {
      const query = queryOf(req);
      const limit = limitQuery(query, 100, 1000);
      const fromRaw = query.from;
      const from = typeof fromRaw === 'string' ? Math.max(1, integer(fromRaw) || 1) : 1;
      const tenant = ctx.principal.tenant;
      await ctx.gateway.audit.flush();
      let stored: StoredEvent[];
      if (tenant !== undefined) {
        stored = await readAudit(ctx.gateway.log, tenant, { from, limit });
      } else {
        stored = [];
        for await (const e of ctx.gateway.log.read(AUDIT_TOPIC, { from: { position: from }, limit })) stored.push(e);
      }
      return { entries: stored.map((s) => ({ position: s.position, appendedAt: s.appendedAt, type: s.event.type, entry: s.event.data })) };
    },
  }];
}
