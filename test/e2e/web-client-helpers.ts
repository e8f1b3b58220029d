import { readFileSync } from 'node:fs';
import { beforeAll } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { openPage, type OpenedPage } from '../support/browser.js';
import { leftover } from '../support/leftovers.js';
import { startSystem, type System } from '../support/system.js';

/**
 * What the web client's browser tests (test/e2e/web-client*.test.ts) share: the system they run
 * against, pages of people who each come from an address of their own, and the steps people take
 * in the client (sign up, sign in, send).
 */

/** Short-lived access tokens, so that every step also runs across token refreshes. */
export const TOKEN_TTL = '5s';

/**
 * The system of most web client tests: short-lived tokens, and the default rate limits. The
 * people here all come from 127.0.0.1, as if behind one proxy: each page sends its own
 * X-Forwarded-For (`open`), so each person is limited as the one address they would be.
 */
export const WEB_CLIENT_ENV = { ACCESS_TOKEN_TTL: TOKEN_TTL, TRUST_PROXY: '1' };

export interface WebClientSystem {
  /** The system, once `beforeAll` started it. */
  readonly system: System;
  /** A page in a fresh browser profile, from an address of its own; closed after the file. */
  open: (options?: BrowserContextOptions) => Promise<OpenedPage>;
}

/**
 * Starts the whole system in `beforeAll` (as `npm start` runs it, `env` added) and stops it, the
 * browser and every page after the file. Call it inside the file's `describe.skipIf(!browser)`.
 */
export function webClientSystem(
  browser: Browser | undefined,
  label: string,
  env: Record<string, string>,
): WebClientSystem {
  let system: System | undefined;
  let addresses = 0;
  beforeAll(async () => {
    if (browser) leftover(() => browser.close());
    system = await startSystem(label, { LOG_LEVEL: process.env.SYSTEM_LOG_LEVEL ?? 'warn', ...env });
    leftover(() => system?.stop());
  });
  return {
    get system() {
      if (!system) throw new Error('the system starts in beforeAll');
      return system;
    },
    async open(options = {}) {
      // Sent on every request, WebSocket upgrades too; believed only with TRUST_PROXY set.
      addresses++;
      const address = `10.1.${addresses >> 8}.${addresses & 255}`;
      const opened = await openPage(browser!, { extraHTTPHeaders: { 'X-Forwarded-For': address }, ...options });
      leftover(() => opened.close().catch(() => undefined));
      return opened;
    },
  };
}

const run = Date.now().toString(36);

export interface Person {
  email: string;
  username: string;
  password: string;
}

/** A new person's sign-up details, unique to this run. */
export const newPerson = (name: string): Person => ({
  email: `${name}_${run}@example.com`,
  username: `${name}_${run}`,
  password: `${name} password 123`,
});

export async function register(page: Page, url: string, user: Person) {
  await page.goto(url);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('navigation', { name: 'Chats' }).waitFor();
}

export async function login(page: Page, url: string, user: Person) {
  await page.goto(url);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Chats' }).waitFor();
}

export const composer = (page: Page) => page.getByLabel('Message', { exact: true });
export const bodies = (page: Page) => page.getByRole('log', { name: 'Messages' }).getByTestId('message-body');
export const chatItem = (page: Page) => page.getByTestId('chat-item');

export async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

/** The web client's documents by documentId (`npm run codegen`): it sends the id, not the text. */
const MANIFEST = JSON.parse(
  readFileSync(new URL('../../web/src/graphql/persisted-documents.json', import.meta.url), 'utf8'),
) as Record<string, string>;

/** Whether a request body is the web client's operation `name` (`RefreshToken`, `SendMessage`, …). */
export function isOperation(body: string | null, name: string): boolean {
  const id = Object.keys(MANIFEST).find((key) =>
    new RegExp(`(query|mutation|subscription) ${name}\\b`).test(MANIFEST[key]!),
  );
  if (!id) throw new Error(`the web client has no operation ${name}`);
  return !!body?.includes(`"${id}"`);
}
