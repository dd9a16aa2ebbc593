import { HeraldError } from '../core/errors.js';

/**
 * JSON from the network: parse errors become HERALD_E_INVALID_ARGUMENT naming `field`, and an
 * object key `__proto__` (or `constructor` holding `prototype`) anywhere is refused, so no
 * later spread or merge can be turned into prototype pollution.
 */
export function parseJson(text: string | Buffer, field = 'body'): unknown {
  const source = typeof text === 'string' ? text : text.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (cause) {
    throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `${field} is not valid JSON`, { details: { field }, cause });
  }
  // Only a text that could spell such a key (possibly with \u escapes) needs the walk.
  if (/proto|constructor|\\u/.test(source)) {
    const path = dangerousKey(value, field);
    if (path !== undefined) throw new HeraldError('HERALD_E_INVALID_ARGUMENT', `${path}: forbidden key`, { details: { field: path } });
  }
  return value;
}

function dangerousKey(value: unknown, path: string): string | undefined {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      if (key === '__proto__') return `${p}.__proto__`;
      if (key === 'constructor' && typeof child === 'object' && child !== null && 'prototype' in child) return `${p}.constructor.prototype`;
      stack.push([child, Array.isArray(v) ? `${p}[${key}]` : `${p}.${key}`]);
    }
  }
  return undefined;
}
