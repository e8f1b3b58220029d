import { beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot } from '../support/browser.js';
import { leftover } from '../support/leftovers.js';
import { startSystem, type System } from '../support/system.js';

/**
 * The web client in Chromium against the whole system as `npm start` runs it: the page loads
 * its script and stylesheet under the gateway's CSP and renders without an error.
 */

// Evaluated while the file is collected, so that the skip (and its printed reason) is decided
// before any test runs.
const browser = await launchBrowser();
if (browser) leftover(() => browser.close());

describe.skipIf(!browser)('web client in Chromium', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('browser_smoke');
    leftover(() => system.stop());
  });

  it('loads, renders into #root and reports no error', { timeout: 60_000 }, async () => {
    const { page, errors, close } = await openPage(browser!);
    try {
      const script = page.waitForResponse((res) => /\/assets\/app-[\w-]+\.js$/.test(res.url()));
      const answer = await page.goto(system.url);
      expect(answer?.status()).toBe(200);
      expect((await script).status()).toBe(200);
      await page.locator('#root > *').first().waitFor({ timeout: 15_000 });
      expect(await page.title()).toBe('Messenger');
      await screenshot(page, 'smoke-home');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
