/** Debian's Chromium driven by playwright-core for the console's browser tests (never a downloaded browser). */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const INSTALL = 'apt-get update && apt-get install -y chromium';
export const ARTIFACTS = join('test-artifacts', 'console');

/**
 * Why the browser tests cannot run here, or undefined when they can. Under CI a missing browser
 * is a failure, not a skip: the tests would otherwise pass without having run.
 */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is not installed: ${INSTALL}`;
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}

export interface Browser { context: BrowserContext; close(): Promise<void> }

/** A fresh headless Chromium profile at 1280×800; nothing it downloads or syncs. */
export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'herald-console-chromium-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
