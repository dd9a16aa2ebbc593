import { ERROR_CATALOGUE, HeraldError, type ErrorCode } from '../core/errors.js';
import type { ErrorBody } from './wire.js';

export type Query = Record<string, string | number | readonly string[] | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A JSON body (serialised here) unless `raw` is given. */
  body?: unknown;
  raw?: { contentType: string; data: string };
  /** 404 answers resolve to undefined instead of throwing. */
  allowNotFound?: boolean;
}

/** The error the server sent, as the HeraldError it was on the server (code, message, details, retryable). */
export function errorFromBody(status: number, body: unknown): HeraldError {
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return new HeraldError(status >= 500 ? 'HERALD_E_UNAVAILABLE' : 'HERALD_E_INVALID_ARGUMENT', `the server answered ${status} without a herald error`, { details: { status } });
  }
  const known = error.code in ERROR_CATALOGUE;
  const code = (known ? error.code : status >= 500 ? 'HERALD_E_UNAVAILABLE' : 'HERALD_E_INVALID_ARGUMENT') as ErrorCode;
  const details = { ...(error.details ?? {}), ...(known ? {} : { serverCode: error.code }) };
  return new HeraldError(code, error.message, { details, retryable: typeof error.retryable === 'boolean' ? error.retryable : ERROR_CATALOGUE[code].retryable });
}

/** JSON over HTTP with the API key; every failure is a HeraldError (network failures: HERALD_E_UNAVAILABLE). */
export class Http {
  private readonly headers: Record<string, string>;

  constructor(readonly baseUrl: string, key: string | undefined, private readonly timeoutMs: number, private readonly fetchImpl: typeof fetch = fetch) {
    this.headers = key === undefined ? {} : { authorization: `Bearer ${key}` };
  }

  url(path: string, query?: Query): string {
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
    }
    return url.toString();
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { ...this.headers, accept: 'application/json' };
    let body: string | undefined;
    if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      body = options.raw.data;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, options.query), { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      throw new HeraldError('HERALD_E_UNAVAILABLE', `${method} ${new URL(path, this.baseUrl).pathname} failed: ${(cause as Error)?.name === 'TimeoutError' ? 'timed out' : 'the server could not be reached'}`, { cause });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed as T;
    if (response.status === 404 && options.allowNotFound && (parsed as Partial<ErrorBody>)?.error?.code === 'HERALD_E_NOT_FOUND') return undefined as T;
    throw errorFromBody(response.status, parsed);
  }
}
