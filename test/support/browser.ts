import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leftover } from './leftovers.js';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/**
 * Chromium for browser tests: Debian's package (`apt-get install chromium`, which .ci/run does),
 * driven by playwright-core, which downloads no browser of its own. Without it the browser tests
 * skip and say why.
 */

/** The Chromium binary; CHROMIUM_PATH overrides. @default '/usr/bin/chromium' */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where `screenshot()` writes (ignored by git, kept by CI as an artifact folder). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-artifacts/screenshots', import.meta.url));

const CHROMIUM_ARGS = [
  '--headless',
  // Tests run as root in containers, where Chromium's sandbox cannot start.
  '--no-sandbox',
  '--disable-gpu',
  // Nothing but the system under test on the wire: no QUIC, updates, sync or first-run pages.
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why browser tests cannot run here, or undefined when they can. */
export async function browserUnavailable(): Promise<string | undefined> {
  return access(CHROMIUM_PATH, constants.X_OK).then(
    () => undefined,
    () => `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

/**
 * A headless Chromium, or undefined (after printing why) when there is none; use it in a
 * top-level await and skip with `describe.skipIf(!browser)`. Closed after the file's tests
 * (leftovers.ts), its pages first.
 */
export async function launchBrowser(): Promise<Browser | undefined> {
  const reason = await browserUnavailable();
  if (reason) {
    process.stdout.write(`${reason}\n`);
    return undefined;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  leftover(() => browser.close());
  return browser;
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /**
   * Console errors (`console.error`, failed loads, CSP violations) and uncaught exceptions of
   * the page, in order; a test usually expects it to stay empty.
   */
  errors: string[];
  /** Closes the page's context (its own cookies and storage). */
  close: () => Promise<void>;
}

/** A page in a fresh context (its own storage, like a new browser profile) that records errors. */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const { url, lineNumber } = message.location();
      errors.push(`console.error: ${message.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.stack ?? error.message}`));
  return { context, page, errors, close: leftover(() => context.close()) };
}

/** Saves a full-page PNG as test-artifacts/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
