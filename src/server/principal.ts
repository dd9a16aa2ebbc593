import type { Grant } from '../security/permissions.js';

/** Who is calling. In --dev mode there is no key and no tenant: the raw log, every permission. */
export interface Principal {
  dev: boolean;
  /** The API key's id, or `jwt:<sub>` for a token: what rate limits, stream caps and the audit trail are keyed by. */
  keyId?: string;
  tenant?: string;
  grants: readonly Grant[];
  /** Set for a JWT: ms since epoch from which its token is no longer accepted (`exp` plus the leeway). */
  tokenValidUntil?: number;
}
