import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The S6 scan: every spelling of a canary that a careless write could leave behind (UTF-8,
 * UTF-16LE, hex in both cases, base64 and base64url at each of the three byte alignments).
 */
export function spellings(canary: string): Buffer[] {
  const bytes = Buffer.from(canary, 'utf8');
  const out = [bytes, Buffer.from(canary, 'utf16le'), Buffer.from(bytes.toString('hex')), Buffer.from(bytes.toString('hex').toUpperCase())];
  for (let shift = 0; shift < 3; shift++) {
    const shifted = Buffer.concat([Buffer.alloc(shift), bytes]);
    // The first and last 4 characters depend on the neighbouring bytes; the interior does not.
    for (const encoding of ['base64', 'base64url'] as const) out.push(Buffer.from(shifted.toString(encoding).slice(4, -4)));
  }
  return out;
}

/** Which spellings of `canary` occur in `bytes` (empty: none). */
export function hits(bytes: Buffer, canary: string): string[] {
  const names = ['utf8', 'utf16le', 'hex', 'HEX', 'base64/0', 'base64url/0', 'base64/1', 'base64url/1', 'base64/2', 'base64url/2'];
  return spellings(canary).flatMap((form, i) => (bytes.includes(form) ? [names[i]!] : []));
}

/** Every regular file under `dir` (recursively), with its bytes. */
export function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, bytes: readFileSync(path) }));
}
