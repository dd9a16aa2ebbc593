import { KEYS_TOPIC } from '../../security/key-store.js';
import { formatGrant } from '../../security/permissions.js';
import type { InfoResponse } from '../../client/wire.js';
import { HeraldError } from '../../core/errors.js';
import { hasStreams } from '../../log/streams.js';
import { watchdogOf } from '../../log/watched-log.js';
import type { RouteDef } from '../route.js';

/** Liveness, readiness and "who am I". */
export function healthRoutes(): RouteDef[] {
  return [
    {
      id: 'healthz', method: 'GET', url: '/healthz', tag: 'health', permission: { kind: 'public' },
      summary: 'Liveness: the process answers.', response: '{ status: "ok" }',
      handler: async () => ({ status: 'ok' }),
    },
    {
      id: 'readyz', method: 'GET', url: '/readyz', tag: 'health', permission: { kind: 'public' },
      summary: 'Readiness: the log answers, its backend is not stalled, and the server is not shutting down (503 otherwise, naming a stalled backend).', response: '{ status: "ready" }',
      handler: async (req) => {
        const gateway = req.server.heraldGateway;
        if (gateway.closing.aborted) throw new HeraldError('HERALD_E_UNAVAILABLE', 'the server is shutting down');
        const status = watchdogOf(gateway.log)?.status();
        if (status?.stalled) {
          throw new HeraldError('HERALD_E_UNAVAILABLE', `the ${status.backend} backend is stalled: no answer for ${Math.round(status.stalledForMs / 1000)} s`, {
            details: { backend: status.backend, stalledForMs: status.stalledForMs, ...(status.operation ? { operation: status.operation } : {}) },
          });
        }
        try {
          await gateway.log.topicInfo(KEYS_TOPIC);
        } catch (cause) {
          throw new HeraldError('HERALD_E_UNAVAILABLE', 'the log does not answer', { cause });
        }
        return { status: 'ready' };
      },
    },
    {
      id: 'info', method: 'GET', url: '/v1/info', tag: 'health', permission: { kind: 'authenticated' },
      summary: 'The backend, its capabilities, and the calling key\'s tenant and permissions.', response: 'InfoResponse',
      handler: async (_req, _reply, ctx): Promise<InfoResponse> => {
        const { principal, log, gateway } = ctx;
        const info: InfoResponse = { backend: log.backend, capabilities: log.capabilities, version: gateway.version };
        if (principal.tenant !== undefined) info.tenant = principal.tenant;
        if (principal.keyId !== undefined) info.keyId = principal.keyId;
        if (!principal.dev) info.permissions = principal.grants.map(formatGrant);
        if (hasStreams(log)) info.streams = { snapshots: log.streams.snapshots !== undefined };
        return info;
      },
    },
  ];
}
