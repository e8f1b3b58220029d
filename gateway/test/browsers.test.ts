import { beforeAll, describe, expect, it } from 'vitest';
import { as, newAccount } from '../../test/support/auth.js';
import { launchBrowser, openPage } from '../../test/support/browser.js';
import { startGateway, type GraphQLResponse } from '../../test/support/gateway.js';
import { useStack } from '../../test/support/stack.js';
import type { GatewayApp } from '../../test/support/gateway.js';

// What web pages may do with the gateway (gateway/src/defence/browsers.ts, http-body.ts): CORS
// for the configured origins only, no request a foreign page can send without a preflight (a
// GET without a custom header, a form or text/plain POST), and GraphiQL under a CSP that lets it
// work. Each refused request writes nothing, and other clients are served meanwhile.

const stack = useStack('gw_browsers');
const browser = await launchBrowser();

const ALLOWED = 'https://app.example.com';
const FOREIGN = 'https://evil.example';
let withOrigins: GatewayApp;

beforeAll(async () => {
  withOrigins = await startGateway(
    [stack.chatService.authService.app.port],
    {
      PROFILES_GRPC_ADDR: `127.0.0.1:${stack.profilesService.app.port}`,
      CORS_ORIGINS: `${ALLOWED}, https://other.example.com`,
    },
    [stack.chatService.app.port],
  );
});

const url = (port: number) => `http://127.0.0.1:${port}/graphql`;
const ME = '{ me { id } }';

const corsHeaders = (res: Response) =>
  Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-')));

/** A preflight as a browser sends it before a JSON POST with a token. */
const preflight = (port: number, origin: string) =>
  fetch(url(port), {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    },
  });

const postJson = (port: number, query: string, headers: Record<string, string> = {}) =>
  fetch(url(port), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

describe('CORS', () => {
  it('answers no foreign origin by default, on preflights and requests alike', async () => {
    for (const origin of [FOREIGN, ALLOWED]) {
      const pre = await preflight(stack.gateway.port, origin);
      expect(corsHeaders(pre), origin).toEqual({});
      const res = await postJson(stack.gateway.port, '{ __typename }', { origin });
      expect(corsHeaders(res), origin).toEqual({});
    }
  });

  it('allows the configured origins, each its own, without credentials, and no other', async () => {
    for (const origin of [ALLOWED, 'https://other.example.com']) {
      const pre = await preflight(withOrigins.port, origin);
      expect(pre.status).toBe(204);
      expect(corsHeaders(pre), origin).toEqual({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type, authorization, accept, x-request-id',
        'access-control-expose-headers': 'x-request-id',
        'access-control-max-age': '600',
      });
      const res = await postJson(withOrigins.port, '{ __typename }', { origin });
      expect(res.headers.get('access-control-allow-origin'), origin).toBe(origin);
      expect(res.headers.get('access-control-allow-credentials'), origin).toBeNull();
    }
    for (const origin of [FOREIGN, 'null', `${ALLOWED}.evil.example`, 'http://app.example.com']) {
      expect(corsHeaders(await preflight(withOrigins.port, origin)), origin).toEqual({});
      expect(corsHeaders(await postJson(withOrigins.port, '{ __typename }', { origin })), origin).toEqual({});
    }
  });

  it('serves the same-origin web client as before (a JSON POST carrying its own origin)', async () => {
    const a = await stack.user('corsself');
    const self = `http://127.0.0.1:${stack.gateway.port}`;
    const res = await postJson(stack.gateway.port, ME, { origin: self, authorization: `Bearer ${a.token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: { id: a.id } } });
  });
});

describe('requests a foreign page can send without a preflight', () => {
  const registration = () => {
    const { email, username, password } = newAccount('csrf');
    return { email, username, password };
  };
  const registerMutation = ({ email, username, password }: ReturnType<typeof registration>) =>
    `mutation { register(input: { email: "${email}", username: "${username}", password: "${password}" }) { accessToken } }`;
  /** Nothing was written: the account the refused request asked for can still be made. */
  async function notRegistered(input: ReturnType<typeof registration>) {
    const res = await stack.chatService.authService.auth.register({ ...input, userAgent: 'vitest' }, as());
    expect(res.user?.username).toBe(input.username);
  }
  async function normalServed() {
    const a = await stack.user('csrfok');
    const res = await postJson(stack.gateway.port, ME, { authorization: `Bearer ${a.token}` });
    expect(await res.json()).toEqual({ data: { me: { id: a.id } } });
  }

  it('refuses form-encoded, multipart, text/plain and untyped POSTs with 415 before anything runs', async () => {
    const forms: [string, (input: ReturnType<typeof registration>) => RequestInit][] = [
      ['form-encoded', (input) => ({ body: new URLSearchParams({ query: registerMutation(input) }) })],
      [
        'multipart',
        (input) => {
          const form = new FormData();
          form.set('operations', JSON.stringify({ query: registerMutation(input) }));
          form.set('map', '{}');
          return { body: form };
        },
      ],
      [
        'text/plain',
        (input) => ({
          body: JSON.stringify({ query: registerMutation(input) }),
          headers: { 'content-type': 'text/plain' },
        }),
      ],
      ['untyped', (input) => ({ body: new Blob([JSON.stringify({ query: registerMutation(input) })]) })],
    ];
    for (const [kind, init] of forms) {
      const input = registration();
      const [res] = await Promise.all([
        fetch(url(stack.gateway.port), { method: 'POST', headers: { origin: FOREIGN }, ...init(input) }),
        normalServed(),
      ]);
      expect(res.status, kind).toBe(415);
      const body = (await res.json()) as GraphQLResponse;
      expect(body.errors?.[0]?.extensions, kind).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      expect(body.errors?.[0]?.message, kind).toMatch(
        /^a GraphQL POST must be JSON \(content-type: application\/json\), not /,
      );
      await notRegistered(input);
    }
  });

  it('refuses a GET without a custom header with 403, and serves one with it', async () => {
    const a = await stack.user('csrfget');
    const get = (headers: Record<string, string>) => {
      const target = new URL(url(stack.gateway.port));
      target.searchParams.set('query', ME);
      return fetch(target, { headers: { accept: 'application/json', ...headers } });
    };
    const [refused] = await Promise.all([get({ origin: FOREIGN }), normalServed()]);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as GraphQLResponse;
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(body.errors?.[0]?.message).toMatch(
      /^this request could come from any web page: send it as a JSON POST, or with one of the headers x-graphql-yoga-csrf/,
    );
    for (const header of ['x-graphql-yoga-csrf', 'apollo-require-preflight']) {
      const res = await get({ [header]: '1', authorization: `Bearer ${a.token}` });
      expect(await res.json(), header).toEqual({ data: { me: { id: a.id } } });
    }
    // A token is such a header: no page can send it to another origin without a preflight.
    expect(await (await get({ authorization: `Bearer ${a.token}` })).json()).toEqual({ data: { me: { id: a.id } } });
  });
});

describe('GraphiQL', () => {
  it('is served with a Content-Security-Policy that allows its own inline script only', async () => {
    const res = await fetch(url(stack.gateway.port), { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; /);
    expect(policy).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    // JSON answers carry none: only the page.
    expect((await postJson(stack.gateway.port, '{ __typename }')).headers.get('content-security-policy')).toBeNull();
  });

  it.skipIf(!browser)(
    'works in Chromium under that policy: renders, runs a query, breaks no rule',
    { timeout: 60_000 },
    async () => {
      const { page, errors, close } = await openPage(browser!);
      try {
        const violations: string[] = [];
        await page.exposeFunction('reportViolation', (text: string) => void violations.push(text));
        await page.addInitScript(() => {
          document.addEventListener('securitypolicyviolation', (event) => {
            (window as unknown as { reportViolation: (text: string) => void }).reportViolation(
              `${event.violatedDirective} ${event.blockedURI}`,
            );
          });
        });
        await page.goto(`${url(stack.gateway.port)}?query=${encodeURIComponent('{ __typename }')}`);
        await page.locator('.graphiql-execute-button').click();
        await page.getByText('"__typename": "Query"').waitFor();
        expect(violations).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    },
  );
});
