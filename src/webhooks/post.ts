import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Target } from './target.js';

const MAX_REPLY_BYTES = 64 * 1024;

/**
 * Connects to the checked address only: the host name still goes in `Host` and in TLS (SNI and
 * the certificate check), but is never resolved again.
 */
function pinned(target: Target): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as LookupFunction;
}

/**
 * One POST. Redirects are answered, not followed (`location` is returned for the error); the reply
 * body is read up to 64 KiB and dropped. Rejects on network errors and when `signal` aborts.
 */
export function postOnce(target: Target, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<{ status: number; location?: string }> {
  const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target.url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinned(target),
      signal,
    }, (res: IncomingMessage) => {
      let read = 0;
      const done = (): void => resolve({ status: res.statusCode ?? 0, ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}) });
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_REPLY_BYTES) { res.destroy(); done(); }
      });
      res.on('end', done);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
