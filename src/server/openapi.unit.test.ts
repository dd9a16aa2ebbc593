import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openApiDocument } from './openapi.js';
import { routeTable } from './routes/index.js';

describe('OpenAPI document', () => {
  const routes = routeTable('1.2.3');
  const doc = openApiDocument(routes, '1.2.3') as { openapi: string; info: { version: string }; paths: Record<string, Record<string, Record<string, unknown>>> };

  it('is OpenAPI 3.1 with one operation per route, path parameters in braces', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.version, '1.2.3');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual(operations.sort(), routes.map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`).sort());
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  });

  it('states every operation\'s permission and security; parameters match the path', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const permission = op['x-herald-permission'] as { kind: string };
        assert.ok(permission?.kind, `${method} ${path} names its permission`);
        assert.deepEqual(op.security, permission.kind === 'public' ? [] : [{ apiKey: [] }], `${method} ${path} security`);
        const inPath = (op.parameters as { in: string; name: string }[]).filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(inPath, names, `${method} ${path} path parameters`);
        if (permission.kind !== 'public') for (const code of ['401', '403', '429']) assert.ok((op.responses as Record<string, unknown>)[code], `${method} ${path} documents ${code}`);
      }
    }
  });

  it('documents the three CloudEvents modes on publish', () => {
    const publish = doc.paths['/v1/topics/{topic}/events']!.post as { requestBody: { content: Record<string, unknown> } };
    assert.deepEqual(Object.keys(publish.requestBody.content), ['application/cloudevents+json', 'application/cloudevents-batch+json', '*/*']);
  });
});
