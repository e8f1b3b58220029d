import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, openPage, type OpenedPage } from '../support/browser.js';
import { graphqlClient } from '../support/gateway.js';
import { startSystem, type System } from '../support/system.js';

/**
 * The built web client in Chromium against the whole system with TRUSTED_DOCUMENTS=only, as the
 * production example runs it (compose.yaml, deploy/k8s): every request it makes, over HTTP and
 * graphql-ws, token refreshes included, goes by documentId, so the gateway that refuses every
 * other document serves it all. Access tokens live 5 s, so refreshes happen along the way.
 */

const browser = await launchBrowser();
const run = Date.now().toString(36);
const person = (name: string) => ({
  email: `${name}_${run}@example.com`,
  username: `${name}_${run}`,
  password: `${name} password 123`,
});

async function register(page: Page, url: string, user: ReturnType<typeof person>) {
  await page.goto(url);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('navigation', { name: 'Chats' }).waitFor();
}

const composer = (page: Page) => page.getByLabel('Message', { exact: true });
const bodies = (page: Page) => page.getByRole('log', { name: 'Messages' }).getByTestId('message-body');

async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

describe.skipIf(!browser)('web client in Chromium, with trusted documents only', () => {
  let system: System;
  const pages: OpenedPage[] = [];

  beforeAll(async () => {
    system = await startSystem('web_trusted', {
      TRUSTED_DOCUMENTS: 'only',
      ACCESS_TOKEN_TTL: '5s',
      LOG_LEVEL: process.env.SYSTEM_LOG_LEVEL ?? 'warn',
    });
  });

  afterAll(async () => {
    for (const opened of pages) await opened.close().catch(() => undefined);
    await browser?.close();
    await system?.stop();
  });

  it(
    'signs up, chats live and refreshes its tokens, with no document of its own refused',
    { timeout: 120_000 },
    async () => {
      // The gateway runs no query text: this is the mode under test.
      const text = await graphqlClient(system.gatewayPort).request('{ __typename }');
      expect(text.errors?.map((error) => error.extensions?.code)).toEqual(['CANNOT_SEND_PQ_ID_AND_BODY']);

      const [a, b] = [await openPage(browser!), await openPage(browser!)];
      pages.push(a, b);
      // Every GraphQL request of both pages: by documentId, never with text.
      const sent: string[] = [];
      let refreshes = 0;
      for (const { page } of [a, b]) {
        page.on('request', (request) => {
          if (!request.url().endsWith('/graphql') || request.method() !== 'POST') return;
          const body = request.postData() ?? '';
          sent.push(body);
          if (body.includes('"refreshToken"')) refreshes++;
        });
      }
      const alice = person('ada');
      const bob = person('bo');
      await register(a.page, system.url, alice);
      await register(b.page, system.url, bob);

      await a.page.getByPlaceholder('Find people').fill(bob.username.slice(0, 6));
      await a.page.getByRole('button', { name: new RegExp(`^Message .*@${bob.username}\\)$`) }).click();
      await expect.poll(() => a.page.url()).toMatch(/#\/chats\//);
      await send(a.page, 'first, by documentId');
      // Over graphql-ws: B's chat list gets it live.
      await b.page.getByTestId('chat-item').first().waitFor();
      await expect.poll(() => b.page.getByTestId('chat-item').first().innerText()).toContain('first, by documentId');

      // Past an access token's lifetime: the next send refreshes first (the refresh by documentId too).
      await expect.poll(() => refreshes, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(1);
      await send(a.page, 'second, after a refresh');
      await expect
        .poll(() => bodies(a.page).allInnerTexts())
        .toEqual(['first, by documentId', 'second, after a refresh']);
      await b.page.getByTestId('chat-item').first().getByRole('link').click();
      await expect
        .poll(() => bodies(b.page).allInnerTexts())
        .toEqual(['first, by documentId', 'second, after a refresh']);

      expect(sent.length).toBeGreaterThan(5);
      for (const body of sent) {
        const request = JSON.parse(body) as { documentId?: unknown; query?: unknown };
        expect(typeof request.documentId, body).toBe('string');
        expect(request.query, body).toBeUndefined();
      }
      expect(await a.page.getByRole('alert').count()).toBe(0);
      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
    },
  );
});
