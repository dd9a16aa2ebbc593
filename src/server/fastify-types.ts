import type { Gateway } from './gateway.js';
import type { RequestContext, RouteDef } from './route.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    herald: RequestContext | null;
    /** Who was identified, even when the request was then refused (for the audit trail). */
    heraldKeyId: string | null;
    heraldTenant: string | null;
  }
  interface FastifyInstance {
    heraldGateway: Gateway;
  }
  interface FastifyContextConfig {
    def?: RouteDef;
  }
}

export {};
