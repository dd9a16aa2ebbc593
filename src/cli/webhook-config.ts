import { readFileSync } from 'node:fs';
import { HeraldError } from '../core/errors.js';
import type { ServerWebhookOptions } from '../server/webhooks.js';

/** A webhook as the config file names it: the secret stays in a file of its own, never in the config. */
export interface WebhookFileEntry {
  name: string;
  topic: string;
  url: string;
  secretFile: string;
  tenant?: string;
  allow?: string[];
  maxAttempts?: number;
  /** Milliseconds one request may take. */
  timeout?: number;
}

const FIELDS = ['name', 'topic', 'url', 'secretFile', 'tenant', 'allow', 'maxAttempts', 'timeout'];

function fail(where: string, field: string, expected: string): HeraldError {
  return new HeraldError('HERALD_E_INVALID_ARGUMENT', `${where}: ${field} must be ${expected}`, { details: { field } });
}

/** Reads the config file's `webhooks` list; every field is checked and named in errors (`webhooks[1].url`). */
export function webhooksOf(raw: unknown, where: string): WebhookFileEntry[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw fail(where, 'webhooks', 'a list of { name, topic, url, secretFile }');
  return raw.map((entry: unknown, i) => {
    const at = `webhooks[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fail(where, at, 'an object');
    const o = entry as Record<string, unknown>;
    const extra = Object.keys(o).find((k) => !FIELDS.includes(k));
    if (extra !== undefined) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `${where}: unknown field ${at}.${extra} (known: ${FIELDS.join(', ')})`, { details: { field: `${at}.${extra}` } });
    const text = (field: string, required: boolean): string | undefined => {
      const v = o[field];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'string' || v === '') throw fail(where, `${at}.${field}`, 'a non-empty string');
      return v;
    };
    const count = (field: string): number | undefined => {
      const v = o[field];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw fail(where, `${at}.${field}`, 'a positive integer');
      return v;
    };
    const allow = o.allow;
    if (allow !== undefined && (!Array.isArray(allow) || allow.some((x) => typeof x !== 'string'))) throw fail(where, `${at}.allow`, 'a list of IP addresses or CIDR ranges');
    const tenant = text('tenant', false);
    const maxAttempts = count('maxAttempts');
    const timeout = count('timeout');
    return {
      name: text('name', true)!, topic: text('topic', true)!, url: text('url', true)!, secretFile: text('secretFile', true)!,
      ...(tenant ? { tenant } : {}), ...(allow ? { allow: allow as string[] } : {}),
      ...(maxAttempts ? { maxAttempts } : {}), ...(timeout ? { timeout } : {}),
    };
  });
}

/** The server's webhook options, each secret read from its file (an error names the file, never its content). */
export function loadWebhooks(entries: readonly WebhookFileEntry[]): ServerWebhookOptions[] {
  return entries.map(({ secretFile, ...entry }) => {
    let secret: string;
    try {
      secret = readFileSync(secretFile, 'utf8').trim();
    } catch (cause) {
      throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `cannot read the secret of webhook ${entry.name} from ${secretFile}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { details: { field: 'secretFile' } });
    }
    return { ...entry, secret };
  });
}
