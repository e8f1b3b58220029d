import { beforeAll, describe, expect, it } from 'vitest';
import { Script } from 'node:vm';
import { Kind, OperationTypeNode, parse, validate } from 'graphql';
import type { Locator, Page, WebSocket } from 'playwright-core';
import { DEFAULT_DOCUMENT, renderGraphiQL } from '../../gateway/src/graphiql.js';
import { buildSchema } from '../../gateway/src/schema.js';
import { launchBrowser, openPage, screenshot } from '../support/browser.js';
import { graphqlClient } from '../support/gateway.js';
import { leftover } from '../support/leftovers.js';
import { startSystem, type System } from '../support/system.js';
import { until } from '../support/wait.js';

/**
 * GraphiQL at /graphql in Chromium against the whole system as `npm start` runs it: with the
 * token typed into its headers pane, a `chatEvents` subscription opens its WebSocket with that
 * token in `connection_init` and shows the events another client causes; without a token, or
 * with a refused one, it says so at once instead of retrying (gateway/src/graphiql.ts).
 */

const browser = await launchBrowser();
if (browser) leftover(() => browser.close());

describe('GraphiQL page', () => {
  it('is one inline script that compiles, its options escaped', () => {
    const html = renderGraphiQL({
      title: 'Messenger',
      endpoint: '/graphql',
      defaultQuery: '# </script><script>alert(1)',
    });
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(([, script]) => script!);
    // One script, so that the page's CSP allows exactly one hash (defence/browsers.ts).
    expect(scripts).toHaveLength(1);
    expect(() => new Script(scripts[0]!)).not.toThrow();
    expect(scripts[0]).toContain('"defaultQuery":"# \\u003c/script>\\u003cscript>alert(1)"');
  });

  it('starts with a document valid against the schema: a query, a mutation and chatEvents', () => {
    const document = parse(DEFAULT_DOCUMENT);
    expect(validate(buildSchema(), document)).toEqual([]);
    const kinds = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.operation] : []));
    expect(new Set(kinds)).toEqual(
      new Set([OperationTypeNode.QUERY, OperationTypeNode.MUTATION, OperationTypeNode.SUBSCRIPTION]),
    );
    expect(DEFAULT_DOCUMENT).toContain('{"Authorization": "Bearer <accessToken>"}');
    expect(DEFAULT_DOCUMENT).toMatch(/subscription \w+ \{\n {2}chatEvents \{/);
  });
});

const run = Date.now().toString(36);
const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`;

/** An editor's text as shown (Monaco shows spaces as no-break spaces, and wraps long lines). */
const textOf = async (editor: Locator) => (await editor.innerText()).replace(/\u00a0/g, ' ');
const wrappedTextOf = async (editor: Locator) => (await textOf(editor)).replace(/\s+/g, ' ');

/**
 * Replaces the whole text of a Monaco editor (GraphiQL's panes) by pasting, as a person would:
 * typed, Monaco would add closing brackets and indentation of its own.
 */
async function paste(page: Page, editor: Locator, text: string) {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await editor.locator('textarea').evaluate((area, pasted) => {
    const data = new DataTransfer();
    data.setData('text/plain', pasted);
    area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
  await expect.poll(() => textOf(editor)).toContain(text.split('\n')[0]);
}

describe.skipIf(!browser)('GraphiQL in Chromium', () => {
  let system: System;
  let alice: { token: string; id: string };
  let bob: { token: string; id: string };
  let chatId: string;

  const api = () => graphqlClient(system.gatewayPort);
  const register = async (name: string) => {
    const input = { email: `${name}_${run}@example.com`, username: `${name}_${run}`, password: `${name} password 123` };
    const { data, errors } = await api().request<{ register: { accessToken: string; user: { id: string } } }>(
      REGISTER,
      { input },
    );
    expect(errors).toBeUndefined();
    return { token: data!.register.accessToken, id: data!.register.user.id };
  };

  beforeAll(async () => {
    system = await startSystem('graphiql', { LOG_LEVEL: process.env.SYSTEM_LOG_LEVEL ?? 'warn' });
    leftover(() => system.stop());
    alice = await register('alice');
    bob = await register('bob');
    const created = await api().request<{ createDirectChat: { id: string } }>(
      `mutation ($userId: ID!) { createDirectChat(userId: $userId) { id } }`,
      { userId: alice.id },
      { token: bob.token },
    );
    expect(created.errors).toBeUndefined();
    chatId = created.data!.createDirectChat.id;
  });

  async function sendAsBob(body: string) {
    const { errors } = await api().request(
      `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }`,
      { input: { chatId, body, clientMessageId: body } },
      { token: bob.token },
    );
    expect(errors).toBeUndefined();
  }

  /** GraphiQL, loaded, with every WebSocket it opens recorded with the frames it sent and got. */
  async function openGraphiQL() {
    // Tall enough that the editor shows the whole default document (Monaco renders what is visible).
    const opened = await openPage(browser!, { viewport: { width: 1280, height: 2400 } });
    leftover(() => opened.close().catch(() => undefined));
    const { page } = opened;
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (text: string) => void violations.push(text));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        (window as unknown as { reportViolation: (text: string) => void }).reportViolation(
          `${event.violatedDirective} ${event.blockedURI}`,
        );
      });
    });
    const sockets: { socket: WebSocket; sent: string[]; received: string[] }[] = [];
    page.on('websocket', (socket) => {
      const recorded = { socket, sent: [] as string[], received: [] as string[] };
      socket.on('framesent', ({ payload }) => recorded.sent.push(String(payload)));
      socket.on('framereceived', ({ payload }) => recorded.received.push(String(payload)));
      sockets.push(recorded);
    });
    // GraphiQL loads the schema first (introspection, over HTTP); a run before it is dropped.
    const schema = page.waitForResponse(
      (response) =>
        response.request().method() === 'POST' && /IntrospectionQuery/.test(response.request().postData() ?? ''),
    );
    await page.goto(`${system.url}graphql`);
    expect((await schema).status()).toBe(200);
    const queryEditor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await queryEditor.waitFor();
    await page.getByRole('button', { name: /headers/i }).click();
    const headersEditor = page.locator('.graphiql-editor-tool .monaco-editor').last();
    await headersEditor.waitFor();
    const result = page.locator('.result-window');
    // GraphiQL ignores a run until its result pane's editor is there.
    await result.locator('.monaco-editor').waitFor();
    const run = page.locator('.graphiql-execute-button');
    /**
     * Runs the operation `name`, once GraphiQL has parsed the editor's document (its tab is named
     * after it): until then its run button still acts on the document before.
     */
    const execute = async (name: string) => {
      await expect.poll(() => page.locator('.graphiql-tab-active').innerText()).toBe(name);
      await run.click();
    };
    return { ...opened, violations, sockets, queryEditor, headersEditor, result, execute, run };
  }

  it(
    "runs chatEvents over WebSocket with the headers pane's token and shows another client's messages",
    { timeout: 120_000 },
    async () => {
      const g = await openGraphiQL();
      // The default document shows every kind of operation and where the token goes.
      await expect.poll(() => textOf(g.queryEditor)).toContain('subscription ChatEvents {');
      const shown = await textOf(g.queryEditor);
      expect(shown).toContain('"Authorization": "Bearer <accessToken>"');
      expect(shown).toContain('mutation Register {');
      expect(shown).toContain('query MyChats {');

      // Every message is followed at once by its sender's read receipt, and the result pane shows
      // the latest result only: the page gets each receipt once the test has seen what came before.
      const held: (() => void)[] = [];
      await g.page.routeWebSocket(/\/graphql$/, (socket) => {
        const server = socket.connectToServer();
        server.onMessage((frame) => {
          if (String(frame).includes('"ReadReceipt"')) held.push(() => socket.send(frame));
          else socket.send(frame);
        });
      });

      await paste(g.page, g.headersEditor, `{"Authorization": "Bearer ${alice.token}"}`);
      await paste(
        g.page,
        g.queryEditor,
        `subscription Watch { chatEvents(resume: [{ chatId: "${chatId}", afterSeq: 0 }]) { __typename ... on MessageCreated { seq message { body } } } }`,
      );
      await g.execute('Watch');

      // One socket, whose connection_init carries the token, and the gateway accepted it.
      await until(
        () => g.sockets.some(({ received }) => received.some((frame) => frame.includes('connection_ack'))),
        'the socket to be acknowledged',
      );
      expect(g.sockets).toHaveLength(1);
      expect(JSON.parse(g.sockets[0]!.sent[0]!)).toEqual({
        type: 'connection_init',
        payload: { authorization: `Bearer ${alice.token}` },
      });

      // Bob sends over plain HTTP. The subscription resumes from the chat's start, so that his
      // message reaches it even if sent before the gateway has set the subscription up.
      await sendAsBob('hello from bob');
      await expect.poll(() => textOf(g.result)).toContain('"body": "hello from bob"');
      expect(await textOf(g.result)).toContain('"__typename": "MessageCreated"');

      // It is live now: the next message, then Bob's read receipt that follows it.
      await sendAsBob('and again');
      await expect.poll(() => textOf(g.result)).toContain('"body": "and again"');
      await screenshot(g.page, 'graphiql-event');
      await until(() => held.length > 0, "Bob's read receipt");
      held.splice(0).forEach((send) => send());
      await expect.poll(() => textOf(g.result)).toContain('"__typename": "ReadReceipt"');
      expect(g.sockets).toHaveLength(1);

      // Stopping it closes its socket.
      await g.run.click();
      await until(() => g.sockets[0]!.socket.isClosed(), 'the socket to close once stopped');
      expect(g.violations).toEqual([]);
      expect(g.errors).toEqual([]);
    },
  );

  it(
    'says at once that a subscription needs a token, and opens no socket without one',
    { timeout: 60_000 },
    async () => {
      const g = await openGraphiQL();
      await paste(g.page, g.headersEditor, '{}');
      await paste(g.page, g.queryEditor, 'subscription Watch { chatEvents { __typename } }');
      await g.execute('Watch');
      await expect.poll(() => wrappedTextOf(g.result)).toContain('A subscription needs a token: put');
      expect(await wrappedTextOf(g.result)).toContain(
        '{\\"Authorization\\": \\"Bearer <accessToken>\\"} in the headers pane',
      );
      expect(g.sockets).toEqual([]);
      expect(g.errors).toEqual([]);
    },
  );

  it('shows the refusal of a bad token instead of retrying', { timeout: 60_000 }, async () => {
    const g = await openGraphiQL();
    await paste(g.page, g.headersEditor, '{"Authorization": "Bearer not-a-token"}');
    await paste(g.page, g.queryEditor, 'subscription Watch { chatEvents { __typename } }');
    await g.execute('Watch');
    await expect.poll(() => wrappedTextOf(g.result)).toContain('The gateway refused the socket (4403 Forbidden)');
    await screenshot(g.page, 'graphiql-refused');
    // graphql-ws's default would retry a 4403 five times (about 30 s) before saying anything.
    expect(g.sockets).toHaveLength(1);
    expect(JSON.parse(g.sockets[0]!.sent[0]!)).toEqual({
      type: 'connection_init',
      payload: { authorization: 'Bearer not-a-token' },
    });
    expect(g.sockets[0]!.socket.isClosed()).toBe(true);
  });
});
