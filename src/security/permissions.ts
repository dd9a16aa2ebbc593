import { invalidArgument } from '../core/errors.js';
import { assertPattern, matches } from './patterns.js';

/**
 * What a key may do: actions on topic patterns. Written `actions:pattern`, e.g.
 * `publish:orders.>`, `read,subscribe:orders`, `*:>` (every action on every topic of the tenant).
 */
export const ACTIONS = ['publish', 'subscribe', 'read', 'admin', 'metrics'] as const;
export type Action = (typeof ACTIONS)[number];

export interface Grant {
  actions: readonly Action[];
  pattern: string;
}

const isAction = (a: string): a is Action => (ACTIONS as readonly string[]).includes(a);

export function parseGrant(text: unknown, field = 'permission'): Grant {
  if (typeof text !== 'string') throw invalidArgument(`${field} must be a string like "publish:orders.>"`, { field });
  const colon = text.indexOf(':');
  if (colon < 1) throw invalidArgument(`${field} must be "<actions>:<topic pattern>", e.g. "publish,read:orders.>", got ${JSON.stringify(text)}`, { field });
  const names = text.slice(0, colon).split(',').map((a) => a.trim());
  const actions = names.includes('*') ? [...ACTIONS] : names;
  for (const a of actions) {
    if (!isAction(a)) throw invalidArgument(`${field}: unknown action ${JSON.stringify(a)} (publish, subscribe, read, admin, metrics or *)`, { field });
  }
  const pattern = text.slice(colon + 1).trim();
  assertPattern(pattern, field);
  return { actions: [...new Set(actions as Action[])], pattern };
}

export function formatGrant(grant: Grant): string {
  const all = ACTIONS.every((a) => grant.actions.includes(a));
  return `${all ? '*' : grant.actions.join(',')}:${grant.pattern}`;
}

export function parseGrants(list: unknown, field = 'permissions'): Grant[] {
  if (!Array.isArray(list) || list.length === 0 || list.length > 100) {
    throw invalidArgument(`${field} must be a list of 1-100 permissions like "publish:orders.>"`, { field });
  }
  return list.map((g, i) => parseGrant(g, `${field}[${i}]`));
}

const DLQ = /^(.+)\.dlq\.[^.]+$/;

/**
 * May `grants` do `action` on `topic`? A consumer that may `subscribe` to a topic may also
 * publish to that topic's dead-letter topics (`<topic>.dlq.<group>`): that is how a remote
 * consumer runtime dead-letters an event.
 */
export function allows(grants: readonly Grant[], action: Action, topic: string): boolean {
  if (grants.some((g) => g.actions.includes(action) && matches(g.pattern, topic))) return true;
  if (action === 'publish') {
    const origin = DLQ.exec(topic)?.[1];
    if (origin !== undefined) return grants.some((g) => g.actions.includes('subscribe') && matches(g.pattern, origin));
  }
  return false;
}

/** May `grants` do `action` on every topic of the tenant (tenant-wide routes: listing, keys, audit)? */
export function allowsAll(grants: readonly Grant[], action: Action): boolean {
  return grants.some((g) => g.actions.includes(action) && g.pattern === '>');
}
