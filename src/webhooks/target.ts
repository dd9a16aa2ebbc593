import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { HeraldError, invalidArgument } from '../core/errors.js';
import { isPublicAddress, type AllowList } from './address.js';

/** Resolves a host name to all its addresses (default: the system resolver). */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** A checked endpoint: the request goes to `address`, the one that was checked, never to a second answer. */
export interface Target {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** The endpoint as it may be shown: no query, no credentials (either may hold a token). */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Parses and checks a webhook URL: http or https, no user:password part. */
export function parseWebhookUrl(raw: unknown, field = 'url'): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw invalidArgument(`${field} must be an absolute http or https URL`, { field });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidArgument(`${field} must be an http or https URL, got ${url.protocol}`, { field });
  if (url.username !== '' || url.password !== '') throw invalidArgument(`${field} must not carry credentials; sign with the secret instead`, { field });
  return url;
}

/**
 * Resolves the endpoint's host once and checks every address it has: one that is not public and
 * not allow-listed refuses the whole target, since which one a connection would use is up to
 * chance (and DNS rebinding answers with a public address first and a private one next).
 */
export async function resolveTarget(url: URL, allow: AllowList, resolve: Resolver): Promise<Target> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let answers: readonly { address: string; family: number }[];
  if (isIP(host) !== 0) answers = [{ address: host, family: isIP(host) }];
  else {
    try {
      answers = await resolve(host);
    } catch (cause) {
      throw new HeraldError('HERALD_E_UNAVAILABLE', `cannot resolve the webhook host ${url.host}: ${(cause as Error).message}`, { cause, details: { url: shownUrl(url) } });
    }
  }
  if (answers.length === 0) throw new HeraldError('HERALD_E_UNAVAILABLE', `the webhook host ${url.host} has no address`, { details: { url: shownUrl(url) } });
  const refused = answers.find((a) => !isPublicAddress(a.address) && !allow.has(a.address));
  if (refused) {
    throw new HeraldError('HERALD_E_TARGET_REFUSED', `the webhook target ${shownUrl(url)} resolves to ${refused.address}, which is not a public address; add it to the allow list to send there`, {
      details: { url: shownUrl(url), address: refused.address },
    });
  }
  const first = answers[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
