import { beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../../test/support/gateway.js';
import { useStack } from '../../../test/support/stack.js';
import type { GatewayApp } from '../../../test/support/gateway.js';
import { REGISTER, overWs, post, wsClient } from './helpers.js';

// What production mode hides (introspection, GraphiQL, field suggestions), each switchable.

const stack = useStack('gw_documents_exposure');

describe('introspection, GraphiQL and field suggestions', () => {
  const gateways: Record<string, GatewayApp> = {};
  const modes = {
    development: { NODE_ENV: 'development' },
    production: { NODE_ENV: 'production' },
    'production, switched on': {
      NODE_ENV: 'production',
      GRAPHQL_INTROSPECTION: 'on',
      GRAPHIQL: 'on',
      GRAPHQL_FIELD_SUGGESTIONS: 'on',
    },
    'development, switched off': { NODE_ENV: 'development', GRAPHQL_INTROSPECTION: 'off', GRAPHIQL: 'off' },
  };
  beforeAll(async () => {
    for (const [mode, env] of Object.entries(modes)) {
      gateways[mode] = await startGateway(
        [stack.chatService.authService.app.port],
        { ...env, PROFILES_GRPC_ADDR: `127.0.0.1:${stack.profilesService.app.port}` },
        [stack.chatService.app.port],
      );
    }
  });

  const INTROSPECTION = '{ __schema { queryType { name } } }';
  const TYPE = '{ __type(name: "User") { name } }';
  const graphiqlPage = (port: number) =>
    fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });

  it('answers introspection and serves GraphiQL in development, and not in production unless switched on', async () => {
    const expected = {
      development: true,
      production: false,
      'production, switched on': true,
      'development, switched off': false,
    };
    for (const [mode, on] of Object.entries(expected)) {
      const port = gateways[mode]!.port;
      for (const query of [INTROSPECTION, TYPE]) {
        const res = await post(port, query);
        if (on) {
          expect(res.errors, mode).toBeUndefined();
        } else {
          expect(res.status, mode).toBe(400);
          expect(res.errors?.[0]?.message, mode).toMatch(/^GraphQL introspection has been disabled/);
        }
      }
      // __typename is no introspection: the web client asks for it everywhere.
      expect((await post(port, '{ __typename }')).data, mode).toEqual({ __typename: 'Query' });
      const page = await graphiqlPage(port);
      const html = await page.text();
      if (on) {
        expect(page.status, mode).toBe(200);
        expect(page.headers.get('content-type'), mode).toMatch(/^text\/html/);
        expect(html, mode).toContain('YogaGraphiQL');
      } else {
        expect(page.headers.get('content-type') ?? '', mode).not.toMatch(/^text\/html/);
        expect(html, mode).not.toContain('YogaGraphiQL');
      }
    }
    // Over graphql-ws as well.
    const a = await stack.user('docprod');
    for (const [mode, on] of Object.entries(expected)) {
      const { client } = wsClient(gateways[mode]!.port, a.token);
      const res = await overWs(client, INTROSPECTION);
      if (on) expect(res.result?.data, mode).toEqual({ __schema: { queryType: { name: 'Query' } } });
      else expect(res.errors?.[0]?.message, mode).toMatch(/^GraphQL introspection has been disabled/);
    }
  });

  it('hides "Did you mean" in a subscription\'s variable errors over graphql-ws', async () => {
    const a = await stack.user('docsubsug');
    const { client } = wsClient(gateways.development!.port, a.token);
    const answer = await overWs(
      client,
      'subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) { __typename } }',
      { resume: [{ chatId: '00000000-0000-4000-8000-000000000000', aftrSeq: 1 }] },
    );
    const message = (answer.errors ?? answer.result?.errors ?? []).map((e) => e.message).join('\n');
    expect(message).toMatch(/aftrSeq/);
    expect(message).not.toMatch(/Did you mean/);
  });

  it('hides "Did you mean" in every mode unless switched on, in validation and variable errors, over HTTP and graphql-ws', async () => {
    const a = await stack.user('docsug');
    // Each with the name a suggestion would reveal (an input field's error names the required
    // field that is missing anyway, so only the suggestion itself is looked for there).
    const misspelt = [
      ['field', '{ me { usernam } }', {}, '"username"'],
      ['argument', '{ searchUsers(query: "x", frist: 5) { id } }', {}, '"first"'],
      [
        'input field',
        REGISTER,
        { input: { emial: 'a@example.com', username: 'abcdef', password: 'long enough password' } },
        'Did you mean',
      ],
    ] as const;
    for (const [mode, gateway] of Object.entries(gateways)) {
      const shown = mode === 'production, switched on';
      const { client } = wsClient(gateway.port, a.token);
      for (const [what, query, variables, revealed] of misspelt) {
        const overHttp = await post(gateway.port, query, variables, a.token);
        const overSocket = await overWs(client, query, variables);
        const messages = [overHttp.errors, overSocket.errors ?? overSocket.result?.errors].map((errors) =>
          (errors ?? []).map((e) => e.message).join('\n'),
        );
        for (const message of messages) {
          expect(message, `${mode}: ${what}`).not.toBe('');
          if (shown) expect(message, `${mode}: ${what}`).toMatch(/Did you mean/);
          else expect(message, `${mode}: ${what}`).not.toMatch(/Did you mean/);
          if (!shown) expect(message, `${mode}: ${what}`).not.toContain(revealed);
        }
      }
    }
  });
});
