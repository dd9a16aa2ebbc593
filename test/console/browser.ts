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

/**
 * `browserMissing()` taken once as a test file loads: `skip` for its suites (false when the browser
 * is there), and under CI the failure its first hook must throw (`describe` itself may not throw).
 */
export function probeBrowser(): { skip: string | false; failure: Error | undefined } {
  try {
    return { skip: browserMissing() ?? false, failure: undefined };
  } catch (error) {
    return { skip: false, failure: error as Error };
  }
}

/** Polls `check` every 50 ms until it holds; fails naming `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
