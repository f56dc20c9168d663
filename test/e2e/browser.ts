import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../helpers/strata-process.js';

/** Debian's Chromium (`apt-get install chromium`); nothing here ever downloads a browser. */
export const CHROMIUM = process.env.STRATA_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test/e2e/screenshots');

/** Why the browser tests cannot run here, or undefined when they can. In CI a missing browser is a failure, not a skip. */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
  return `${CHROMIUM} is missing (apt-get install chromium)`;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page screenshot as test/e2e/screenshots/NAME.png at the page's current width (or just the viewport, or one element). */
  shot(name: string, what?: 'page' | 'viewport' | string): Promise<string>;
  close(): Promise<void>;
}

export async function launch(opts: { width?: number; height?: number } = {}): Promise<Browser> {
  const userData = mkdtempSync(join(tmpdir(), 'strata-chromium-'));
  const context = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 },
    timezoneId: 'UTC',
    locale: 'en-US',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    async shot(name: string, what: 'page' | 'viewport' | string = 'page') {
      if (errors.length) throw new Error(`errors in the page: ${errors.join('; ')}`);
      const path = join(SCREENSHOTS, `${name}.png`);
      if (what === 'page' || what === 'viewport') {
        await page.evaluate('window.scrollTo(0, 0)');
        await page.screenshot({ path, fullPage: what === 'page', animations: 'disabled' });
      } else {
        await page.locator(what).screenshot({ path, animations: 'disabled' });
      }
      return path;
    },
    async close() {
      await context.close();
      rmSync(userData, { recursive: true, force: true });
    },
  };
}
