import type { Grant } from '../security/permissions.js';

/** Who is calling. In --dev mode there is no key and no tenant: the raw log, every permission. */
export interface Principal {
  dev: boolean;
  keyId?: string;
  tenant?: string;
  grants: readonly Grant[];
}
