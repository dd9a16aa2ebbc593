import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version (from package.json, two or three levels up from this file). */
export function version(): string {
  if (cached !== undefined) return cached;
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'herald' && pkg.version) return (cached = pkg.version);
    } catch {
      // try the next
    }
  }
  return (cached = '0.0.0');
}
