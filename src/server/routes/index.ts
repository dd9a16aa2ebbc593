import { openApiDocument } from '../openapi.js';
import type { RouteDef } from '../route.js';
import { adminTopicRoutes } from './admin-topics.js';
import { auditRoutes } from './audit.js';
import { consoleRoutes } from './console.js';
import { deadLetterRoutes } from './dead-letters.js';
import { groupRoutes } from './groups.js';
import { healthRoutes } from './health.js';
import { keyRoutes } from './keys.js';
import { lineageRoutes } from './lineage.js';
import { metricsRoutes } from './metrics.js';
import { logOpRoutes } from './log-ops.js';
import { publishRoutes } from './publish.js';
import { readRoutes } from './read.js';
import { schemaRoutes } from './schemas.js';
import { sseRoutes } from './sse.js';
import { streamRoutes } from './streams.js';
import { webhookRoutes } from './webhooks.js';
import { wsRoutes } from './ws.js';
import { workflowRoutes } from './workflows.js';

/** The route table: every route of the server, each declaring its permission. */
export function routeTable(version: string): RouteDef[] {
  const routes: RouteDef[] = [
    ...healthRoutes(), ...publishRoutes(), ...readRoutes(), ...groupRoutes(), ...sseRoutes(), ...wsRoutes(),
    ...streamRoutes(),
    ...adminTopicRoutes(), ...deadLetterRoutes(), ...logOpRoutes(), ...keyRoutes(), ...auditRoutes(),
    ...metricsRoutes(), ...lineageRoutes(), ...consoleRoutes(), ...workflowRoutes(), ...schemaRoutes(), ...webhookRoutes(),
  ];
  let document: unknown;
  routes.push({
    id: 'openapi', method: 'GET', url: '/openapi.json', tag: 'health', permission: { kind: 'public' },
    summary: 'This API as an OpenAPI 3.1 document, generated from the route table.', response: 'OpenAPI document',
    handler: async () => (document ??= openApiDocument(routes, version)),
  });
  return routes;
}
