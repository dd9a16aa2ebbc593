import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { MemoryLog } from '../../log/memory/index.js';
import { AuditLog } from '../../security/audit.js';
import { KeyStore } from '../../security/key-store.js';
import { buildApp } from '../app.js';
import { DEFAULT_LIMITS, Gateway } from '../gateway.js';
import { consoleRoutes, resolveAsset } from './console.js';
import { healthRoutes } from './health.js';
import { routeTable } from './index.js';

const SECRET = 'SECRET-OUTSIDE-THE-CONSOLE-9f2c';

/** One request with the path sent exactly as written (fetch would normalise `..` away). */
function raw(base: string, path: string, method = 'GET'): Promise<{ status: number; type: string; headers: Record<string, unknown>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the console\'s static files', () => {
  let dir: string;
  let root: string;
  let app: FastifyInstance;
  let base = '';
  const log = new MemoryLog();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-console-'));
    root = join(dir, 'dashboard');
    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(root, 'main.js'), 'console.log("main")');
    writeFileSync(join(root, 'console.css'), 'body{}');
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(root, 'notes'), 'no extension');
    writeFileSync(join(root, '.env'), SECRET);
    writeFileSync(join(root, 'server.ts'), SECRET);
    mkdirSync(join(root, 'folder.js'));
    writeFileSync(join(dir, 'secret.js'), SECRET);
    writeFileSync(join(dir, 'secret.txt'), SECRET);
    symlinkSync(join(dir, 'secret.js'), join(root, 'link.js'));
    const keys = await KeyStore.open(log, { pollMs: 0 });
    const gateway = new Gateway(log, keys, new AuditLog(log), DEFAULT_LIMITS, 'test', 100);
    app = await buildApp(gateway, [...healthRoutes(), ...consoleRoutes(root), ...consoleRoutes(join(dir, 'missing')).map((r) => ({ ...r, id: `${r.id}Missing`, url: `/unbuilt${r.url === '/' ? '' : r.url}` }))], { logger: false });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page at / without credentials, with its content type and a strict content security policy', async () => {
    const page = await raw(base, '/');
    assert.equal(page.status, 200);
    assert.equal(page.type, 'text/html; charset=utf-8');
    assert.equal(page.body, '<!doctype html><title>console</title>');
    const csp = String(page.headers['content-security-policy']);
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(directive), csp);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
  });

  it('serves each asset with its content type, HEAD included', async () => {
    const expected: Record<string, string> = {
      'main.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8', 'favicon.svg': 'image/svg+xml', 'index.html': 'text/html; charset=utf-8',
    };
    for (const [name, type] of Object.entries(expected)) {
      const answer = await raw(base, `/console/${name}`);
      assert.equal(answer.status, 200, name);
      assert.equal(answer.type, type, name);
    }
    const head = await raw(base, '/console/main.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('reaches nothing outside its folder: traversal, encodings, links, dotfiles, folders and unknown types are 404', async () => {
    const attempts = [
      '/console/../secret.txt', '/console/..%2fsecret.txt', '/console/..%2Fsecret.js', '/console/%2e%2e%2fsecret.js', '/console/%2E%2E/secret.js',
      '/console/..%5csecret.js', '/console/%252e%252e%252fsecret.js', '/console/....%2f%2fsecret.js', '/console/%2fetc%2fpasswd',
      '/console/..', '/console/.env', '/console/link.js', '/console/folder.js', '/console/notes', '/console/server.ts',
      '/console/main.js%00.png', '/console/main.js%2f', `/console/${'a'.repeat(200)}.js`, '/../secret.txt', '/%2e%2e/secret.txt', '/console/',
    ];
    for (const path of attempts) {
      const answer = await raw(base, path);
      assert.ok(answer.status === 404 || answer.status === 400, `${path}: ${answer.status} ${answer.body}`);
      assert.ok(!answer.body.includes(SECRET), `${path} leaked a file outside the console`);
      assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, answer.status === 404 ? 'HERALD_E_NOT_FOUND' : 'HERALD_E_INVALID_ARGUMENT', path);
    }
  });

  it('resolveAsset accepts only plain names of regular files inside the folder', async () => {
    assert.equal((await resolveAsset(root, 'main.js'))?.contentType, 'text/javascript; charset=utf-8');
    for (const name of [undefined, '', '../secret.js', '..', 'a/b.js', 'a\\b.js', '.env', 'link.js', 'folder.js', 'notes', 'x.exe', 'missing.js']) {
      assert.equal(await resolveAsset(root, name), undefined, String(name));
    }
  });

  it('answers a page that says the console is not built when its folder is missing (and still has its icon)', async () => {
    const answer = await raw(base, '/unbuilt');
    assert.equal(answer.status, 200);
    assert.equal(answer.type, 'text/html; charset=utf-8');
    assert.match(answer.body, /The herald console is not built/);
    assert.match(answer.body, /npm run build/);
    const icon = await raw(base, '/unbuilt/console/favicon.svg');
    assert.equal(icon.status, 200);
    assert.equal(icon.type, 'image/svg+xml');
    assert.equal((await raw(base, '/unbuilt/console/main.js')).status, 404);
  });

  it('the API still needs credentials', async () => {
    assert.equal((await raw(base, '/healthz')).status, 200);
    assert.equal((await raw(base, '/v1/info')).status, 401, 'serving the console opens no API route');
    const table = routeTable('test');
    const own = table.filter((r) => r.tag === 'console');
    assert.deepEqual(own.map((r) => [r.id, r.method, r.url, r.permission.kind]), [['console', 'GET', '/', 'public'], ['consoleAsset', 'GET', '/console/:asset', 'public']]);
    assert.ok(table.filter((r) => r.tag !== 'console' && r.permission.kind === 'public').every((r) => ['healthz', 'readyz', 'openapi'].includes(r.id)), 'no other route became public');
  });
});
