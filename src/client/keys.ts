import type { KeyInfo } from '../security/key-store.js';
import { Http } from './http.js';

export interface RemoteKeysOptions {
  url: string;
  /** A key with `admin:>` on its tenant. */
  key?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface NewKey {
  permissions: readonly string[];
  name?: string;
  expiresAt?: Date;
}

/** The admin API's keys of the caller's tenant: what `herald keys --url` uses. */
export class RemoteKeys {
  private readonly http: Http;

  constructor(options: RemoteKeysOptions) {
    this.http = new Http(options.url, options.key, options.timeoutMs ?? 30_000, options.fetch);
  }

  async list(): Promise<KeyInfo[]> {
    return (await this.http.request<{ keys: KeyInfo[] }>('GET', '/v1/keys')).keys;
  }

  /** The answer holds the key itself, shown this once. */
  create(key: NewKey): Promise<{ key: string; info: KeyInfo }> {
    return this.http.request('POST', '/v1/keys', {
      body: { permissions: key.permissions, ...(key.name === undefined ? {} : { name: key.name }), ...(key.expiresAt ? { expiresAt: key.expiresAt.toISOString() } : {}) },
    });
  }

  async revoke(id: string): Promise<KeyInfo> {
    return (await this.http.request<{ info: KeyInfo }>('DELETE', `/v1/keys/${encodeURIComponent(id)}`)).info;
  }
}
