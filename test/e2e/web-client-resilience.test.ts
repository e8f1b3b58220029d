import { describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { graphqlClient } from '../support/gateway.js';
import {
  WEB_CLIENT_ENV,
  webClientSystem,
  newPerson,
  register,
  login,
  bodies,
  chatItem,
  send,
  isOperation,
} from './web-client-helpers.js';

/**
 * The web client in Chromium when things go wrong: an answer lost on the way back or a reload
 * with a message unsent neither loses nor doubles it; tabs share one session and refresh it one
 * at a time; a token the server refuses is refreshed; a restart of the whole system loses nothing.
 * Access tokens live 5 s here, so every step also runs across token refreshes.
 */

const browser = await launchBrowser();

describe.skipIf(!browser)('web client in Chromium', () => {
  const web = webClientSystem(browser, 'web_client_resilience', WEB_CLIENT_ENV);
  const { open } = web;

  it(
    'loads older history by scrolling up; a lost answer or a reload neither loses nor doubles a message',
    { timeout: 90_000 },
    async () => {
      const api = graphqlClient(web.system.gatewayPort).request;
      const writer = newPerson('erin');
      const reader = newPerson('frank');
      const tokens: Record<string, string> = {};
      const ids: Record<string, string> = {};
      for (const person of [writer, reader]) {
        const res = await api<{ register: { accessToken: string; user: { id: string } } }>(
          'mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
          { input: person },
        );
        tokens[person.username] = res.data!.register.accessToken;
        ids[person.username] = res.data!.register.user.id;
      }
      // Access tokens live 5 s in this file: the writer signs in again when theirs gets old.
      let writerTokenAt = Date.now();
      const writerToken = async () => {
        if (Date.now() - writerTokenAt > 2_000) {
          const res = await api<{ login: { accessToken: string } }>(
            'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
            { input: { email: writer.email, password: writer.password } },
          );
          tokens[writer.username] = res.data!.login.accessToken;
          writerTokenAt = Date.now();
        }
        return tokens[writer.username];
      };
      const chat = await api<{ createDirectChat: { id: string } }>(
        'mutation ($userId: ID!) { createDirectChat(userId: $userId) { id } }',
        { userId: ids[reader.username] },
        { token: await writerToken() },
      );
      const chatId = chat.data!.createDirectChat.id;
      const history = Array.from({ length: 75 }, (_, i) => `history ${i + 1}`);
      for (const [i, body] of history.entries()) {
        // Faster than sendMessage's rate limit allows: waits when told to, as a client does.
        for (;;) {
          const sent = await api(
            'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
            { input: { chatId, body, clientMessageId: `seed-${i}` } },
            { token: await writerToken() },
          );
          const refusal = sent.errors?.[0]?.extensions;
          if (refusal?.code === 'RATE_LIMITED') {
            await new Promise((resolve) => setTimeout(resolve, Number(refusal.retryAfter) * 1000));
            continue;
          }
          expect(sent.errors).toBeUndefined();
          break;
        }
      }

      const r = await open();
      await login(r.page, web.system.url, reader);
      await chatItem(r.page).first().getByRole('link').click();
      // The newest page first, at the bottom; scrolling up brings the rest, in order, once.
      await expect.poll(() => bodies(r.page).count()).toBe(50);
      expect((await bodies(r.page).allInnerTexts()).at(-1)).toBe('history 75');
      const log = r.page.getByRole('log', { name: 'Messages' });
      await expect
        .poll(async () => {
          await log.evaluate((element) => (element.scrollTop = 0));
          return bodies(r.page).allInnerTexts();
        })
        .toEqual(history);

      // The first answer to a send is lost on the way back: the client retries with the same
      // clientMessageId, and the server returns the first message instead of a second one.
      let lost = 0;
      await r.page.route('**/graphql', async (route) => {
        if (lost === 0 && isOperation(route.request().postData(), 'SendMessage')) {
          lost++;
          await route.fetch(); // the server gets it and answers…
          await route.abort('connectionreset'); // …but the page never hears back
          return;
        }
        await route.continue();
      });
      await send(r.page, 'sent over a flaky network');
      await expect
        .poll(() => r.page.locator('[data-testid="message"][data-pending]').count(), { timeout: 20_000 })
        .toBe(0);
      expect(lost).toBe(1);
      const texts = await bodies(r.page).allInnerTexts();
      expect(texts.filter((t) => t === 'sent over a flaky network')).toHaveLength(1);
      const stored = await api<{ messages: { edges: { node: { body: string } }[] } }>(
        'query ($chatId: ID!) { messages(chatId: $chatId, last: 5) { edges { node { body } } } }',
        { chatId },
        { token: await writerToken() },
      );
      expect(stored.data!.messages.edges.map((e) => e.node.body)).toEqual([
        'history 72',
        'history 73',
        'history 74',
        'history 75',
        'sent over a flaky network',
      ]);

      // Offline for sends, the reader writes and reloads the page: the message is still there,
      // pending, and goes out once the network is back.
      await r.page.unroute('**/graphql');
      let blocked = 0;
      await r.page.route('**/graphql', async (route) => {
        if (!isOperation(route.request().postData(), 'SendMessage')) return route.continue();
        blocked++;
        await route.abort('internetdisconnected');
      });
      await send(r.page, 'written before a reload');
      await expect.poll(() => blocked).toBeGreaterThan(0);
      await r.page.reload();
      const pendingAgain = r.page.locator('[data-testid="message"][data-pending]');
      await expect.poll(() => pendingAgain.innerText()).toContain('written before a reload');
      await r.page.unroute('**/graphql');
      await expect.poll(() => pendingAgain.count(), { timeout: 20_000 }).toBe(0);
      await expect
        .poll(async () => (await bodies(r.page).allInnerTexts()).filter((t) => t === 'written before a reload'))
        .toHaveLength(1);
      const latest = await api<{ messages: { edges: { node: { body: string } }[] } }>(
        'query ($chatId: ID!) { messages(chatId: $chatId, last: 2) { edges { node { body } } } }',
        { chatId },
        { token: await writerToken() },
      );
      expect(latest.data!.messages.edges.map((e) => e.node.body)).toEqual([
        'sent over a flaky network',
        'written before a reload',
      ]);
      // Chromium reports the deliberately failed requests; nothing else.
      expect(r.errors.filter((e) => !/ERR_CONNECTION_RESET|ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
    },
  );

  it('shares one session between tabs, which refresh it one at a time', { timeout: 90_000 }, async () => {
    const person = newPerson('grace');
    const first = await open();
    await register(first.page, web.system.url, person);
    const second = await first.context.newPage();
    const refreshes: string[] = [];
    for (const page of [first.page, second]) {
      page.on('response', (response) => {
        if (isOperation(response.request().postData(), 'RefreshToken')) {
          // A refresh still in flight when the test closes its pages has no body to read.
          response.text().then(
            (text) => refreshes.push(text),
            () => undefined,
          );
        }
      });
    }
    await second.goto(web.system.url);
    await second.getByRole('navigation', { name: 'Chats' }).waitFor();
    // Several access-token lifetimes pass: each refresh happens once, in one of the tabs, and
    // none is refused (two at once would spend the same refresh token and end the session).
    await expect.poll(() => refreshes.length, { timeout: 40_000 }).toBeGreaterThanOrEqual(4);
    expect(refreshes.filter((text) => text.includes('"errors"'))).toEqual([]);
    for (const page of [first.page, second]) {
      await page.getByRole('link', { name: 'Devices' }).click();
      await expect.poll(() => page.getByTestId('session').count()).toBe(1);
    }
    await second.close();
    expect(first.errors).toEqual([]);
  });

  it('refreshes a token the server refuses, and retries the request once', { timeout: 60_000 }, async () => {
    const person = newPerson('judy');
    const { page, errors } = await open();
    await register(page, web.system.url, person);
    let refreshed = 0;
    page.on('request', (request) => {
      if (isOperation(request.postData(), 'RefreshToken')) refreshed++;
    });
    // The stored access token stops being valid before its time (as after a server-side key
    // change): the next request is answered UNAUTHENTICATED.
    await page.evaluate(() => {
      const stored = JSON.parse(localStorage.getItem('messenger.session')!) as { accessToken: string };
      const [header, payload, signature] = stored.accessToken.split('.');
      stored.accessToken = [header, payload, [...signature!].reverse().join('')].join('.');
      localStorage.setItem('messenger.session', JSON.stringify(stored));
    });
    await page.getByRole('link', { name: 'Devices' }).click();
    await expect.poll(() => page.getByTestId('session').count()).toBe(1);
    expect(refreshed).toBeGreaterThanOrEqual(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('rides out a restart of the whole system: reconnecting, then nothing lost', { timeout: 120_000 }, async () => {
    const sender = newPerson('heidi');
    const receiver = newPerson('ivan');
    const s = await open();
    const r = await open();
    await register(s.page, web.system.url, sender);
    await register(r.page, web.system.url, receiver);
    await s.page.getByPlaceholder('Find people').fill(receiver.username);
    await s.page.getByRole('button', { name: new RegExp(`@${receiver.username}\\)$`) }).click();
    await send(s.page, 'before the restart');
    await chatItem(r.page).first().getByRole('link').click();
    await expect.poll(() => bodies(r.page).allInnerTexts()).toEqual(['before the restart']);

    const restarted = web.system.restart();
    await expect.poll(() => r.page.getByTestId('connection').textContent()).toMatch(/Reconnecting/);
    // Sent while everything is down: pending, retried with the same clientMessageId.
    await send(s.page, 'during the restart');
    await restarted;
    await expect.poll(() => r.page.getByTestId('connection').textContent(), { timeout: 30_000 }).toBe('');
    await send(s.page, 'after the restart');
    await expect
      .poll(() => bodies(r.page).allInnerTexts(), { timeout: 30_000 })
      .toEqual(['before the restart', 'during the restart', 'after the restart']);
    // Failed loads while the gateway was down are Chromium's own reports of the outage.
    const outage = /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|WebSocket connection to .* failed|503|502/;
    for (const opened of [s, r]) expect(opened.errors.filter((e) => !outage.test(e))).toEqual([]);
  });
});
