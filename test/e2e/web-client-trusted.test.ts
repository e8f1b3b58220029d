import { describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { graphqlClient } from '../support/gateway.js';
import { TOKEN_TTL, bodies, newPerson, register, send, webClientSystem } from './web-client-helpers.js';

/**
 * The built web client in Chromium against the whole system with TRUSTED_DOCUMENTS=only, as the
 * production example runs it (compose.yaml, deploy/k8s): every request it makes, over HTTP and
 * graphql-ws, token refreshes included, goes by documentId, so the gateway that refuses every
 * other document serves it all. Access tokens live 5 s, so refreshes happen along the way.
 */

const browser = await launchBrowser();

describe.skipIf(!browser)('web client in Chromium, with trusted documents only', () => {
  const web = webClientSystem(browser, 'web_trusted', { TRUSTED_DOCUMENTS: 'only', ACCESS_TOKEN_TTL: TOKEN_TTL });

  it(
    'signs up, chats live and refreshes its tokens, with no document of its own refused',
    { timeout: 120_000 },
    async () => {
      // The gateway runs no query text: this is the mode under test.
      const text = await graphqlClient(web.system.gatewayPort).request('{ __typename }');
      expect(text.errors?.map((error) => error.extensions?.code)).toEqual(['CANNOT_SEND_PQ_ID_AND_BODY']);

      const [a, b] = [await web.open(), await web.open()];
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
      const alice = newPerson('ada');
      const bob = newPerson('bo');
      await register(a.page, web.system.url, alice);
      await register(b.page, web.system.url, bob);

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
