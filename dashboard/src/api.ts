/**
 * Every API call of the console goes through here. The credential (an API key or a JWT) lives in
 * sessionStorage only: it is sent as `Authorization: Bearer`, never in a URL, never as a cookie
 * (`credentials: 'omit'`), and it is forgotten when the tab closes or the server refuses it.
 */
const STORAGE_KEY = 'herald.console.credential';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export const path = (strings: TemplateStringsArray, ...parts: (string | number)[]): string =>
  strings.reduce((out, s, i) => out + s + (i < parts.length ? encodeURIComponent(String(parts[i])) : ''), '');

export class Api {
  /** Called when the server answers 401 to a stored credential (revoked, expired). */
  onUnauthenticated: () => void = () => undefined;

  get credential(): string | null {
    return sessionStorage.getItem(STORAGE_KEY);
  }

  signIn(credential: string): void {
    sessionStorage.setItem(STORAGE_KEY, credential);
  }

  signOut(): void {
    sessionStorage.removeItem(STORAGE_KEY);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const credential = this.credential;
    return credential === null ? extra : { ...extra, authorization: `Bearer ${credential}` };
  }

  /** A raw request (for streams); throws ApiError for any answer that is not 2xx. `credential`: try this one instead of the stored one. */
  async send(method: string, url: string, init: { body?: unknown; signal?: AbortSignal; headers?: Record<string, string>; credential?: string } = {}): Promise<Response> {
    const headers = init.credential === undefined ? this.headers(init.headers) : { ...init.headers, authorization: `Bearer ${init.credential}` };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, {
      method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    if (response.ok) return response;
    const text = await response.text();
    let error: { code?: string; message?: string } = {};
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
    } catch {
      // not JSON: keep the status
    }
    if (response.status === 401 && init.credential === undefined && this.credential !== null) this.onUnauthenticated();
    throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? (text || response.statusText));
  }

  async json<T>(method: string, url: string, body?: unknown): Promise<T> {
    const response = await this.send(method, url, body === undefined ? {} : { body });
    return (await response.json()) as T;
  }

  get<T>(url: string): Promise<T> {
    return this.json<T>('GET', url);
  }

  /** Who the server says `credential` is (GET /v1/info), without storing it. */
  async whoIs<T>(credential: string): Promise<T> {
    return (await (await this.send('GET', '/v1/info', { credential })).json()) as T;
  }
}
