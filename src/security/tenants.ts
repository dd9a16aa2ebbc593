import { HeraldError, invalidArgument } from '../core/errors.js';
import { assertTopic } from '../log/names.js';

/**
 * Tenants are isolated namespaces. A tenant's topic `orders` is stored as `<tenant>__orders`;
 * topic names given through the server may not contain `__` and tenant names have no `_`, so
 * every stored name belongs to at most one tenant and no tenant can name another's topics.
 * Names without `__` (the server's own `herald.keys`, `herald.audit`) belong to no tenant.
 */
export const TENANT = /^[a-z0-9][a-z0-9-]{0,39}$/;
const SEPARATOR = '__';
const MAX_TOPIC = 200;

export function assertTenant(tenant: unknown, field = 'tenant'): asserts tenant is string {
  if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
    throw invalidArgument(`${field} must be 1-40 lowercase letters, digits or '-' starting with a letter or digit, got ${JSON.stringify(tenant)}`, { field });
  }
}

export class TenantNames {
  readonly prefix: string;

  constructor(readonly tenant: string) {
    assertTenant(tenant);
    this.prefix = `${tenant}${SEPARATOR}`;
  }

  /** The stored name of the tenant's `topic`; throws HERALD_E_INVALID_ARGUMENT naming `field`. */
  scope(topic: unknown, field = 'topic'): string {
    if (field === 'topic') assertTopic(topic);
    else if (typeof topic !== 'string') throw invalidArgument(`${field} must be a topic name`, { field });
    const name = topic;
    if (name.includes(SEPARATOR)) throw invalidArgument(`${field} may not contain '${SEPARATOR}' (reserved for tenant namespaces), got ${JSON.stringify(name)}`, { field });
    if (this.prefix.length + name.length > MAX_TOPIC) {
      throw invalidArgument(`${field} is too long for tenant ${this.tenant}: at most ${MAX_TOPIC - this.prefix.length} characters`, { field });
    }
    return this.prefix + name;
  }

  owns(stored: string): boolean {
    return stored.startsWith(this.prefix);
  }

  unscope(stored: string): string {
    return this.owns(stored) ? stored.slice(this.prefix.length) : stored;
  }

  /** The same error with every stored name shown as the tenant sees it (`prefixes`: the tenant's other name prefixes). */
  rewrite(error: unknown, prefixes: readonly string[] = []): unknown {
    if (!(error instanceof HeraldError)) return error;
    const strip = (text: string): string => [this.prefix, ...prefixes].reduce((t, prefix) => t.split(prefix).join(''), text);
    const details = JSON.parse(strip(JSON.stringify(error.details))) as Record<string, unknown>;
    const copy = new HeraldError(error.code, strip(error.message), { details, retryable: error.retryable, cause: error });
    copy.stack = error.stack === undefined ? undefined : strip(error.stack);
    return copy;
  }
}
