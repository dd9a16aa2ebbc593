import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryLog } from '../log/memory/index.js';
import { startServer } from './server.js';

const openssl = spawnSync('openssl', ['version']).status === 0;

/** Given a certificate, the server speaks HTTPS only. */
describe('TLS', () => {
  it('serves HTTPS with the given certificate', { skip: openssl ? false : 'no openssl to make a certificate' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-tls-'));
    try {
      const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const cert = readFileSync(join(dir, 'cert.pem'));
      const server = await startServer({ log: new MemoryLog(), ownsLog: true, port: 0, logger: false, https: { cert, key: readFileSync(join(dir, 'key.pem')) } });
      try {
        assert.match(server.url, /^https:/);
        const status = await new Promise<number>((resolve, reject) => {
          request(`${server.url}/healthz`, { ca: cert }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
        });
        assert.equal(status, 200);
        await assert.rejects(fetch(server.url.replace('https:', 'http:') + '/healthz'), 'no plain HTTP on the TLS port');
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
