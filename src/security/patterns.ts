import { invalidArgument } from '../core/errors.js';

/**
 * Topic patterns, as in NATS subjects: a topic's segments are separated by `.`; in a pattern,
 * `*` stands for exactly one segment and `>` (last only) for one or more trailing segments.
 * `orders` matches only `orders`; `orders.*` matches `orders.eu` but not `orders.eu.paid`;
 * `orders.>` matches both but not `orders` itself; `>` matches every topic.
 */
const SEGMENT = /^[A-Za-z0-9_-]+$/;

export function patternIssue(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > 200) return 'a pattern is 1-200 characters';
  const segments = pattern.split('.');
  for (const [i, s] of segments.entries()) {
    if (s === '>' && i !== segments.length - 1) return "'>' may only be the last segment";
    if (s !== '*' && s !== '>' && !SEGMENT.test(s)) return `segment ${JSON.stringify(s)} must be '*', '>' or letters, digits, '_' and '-'`;
  }
  return undefined;
}

export function assertPattern(pattern: unknown, field = 'pattern'): asserts pattern is string {
  const issue = patternIssue(pattern);
  if (issue !== undefined) throw invalidArgument(`${field}: invalid topic pattern ${JSON.stringify(pattern)}: ${issue}`, { field });
}

/** Does `pattern` match `topic`? Both must already be valid; no regular expressions are built. */
export function matches(pattern: string, topic: string): boolean {
  if (pattern === '>') return true;
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg === '>') return t.length > i;
    if (i >= t.length) return false;
    if (seg !== '*' && seg !== t[i]) return false;
  }
  return p.length === t.length;
}
