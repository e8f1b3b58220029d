import { Server, ServerCredentials } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { leftover } from '../../../test/support/leftovers.js';
import { capturingLogger, newAccount, startAuth } from '../../../test/support/auth.js';
import { graphqlClient, startGateway } from '../../../test/support/gateway.js';
import { AuthServiceService } from '../../../proto/gen/auth/v1/auth.js';
import { useAuthGateway, LOGIN, REGISTER, errorOf, registration } from './helpers.js';

// The gateway's HTTP surface beside GraphQL, and what it answers when auth-service fails.

const stack = useAuthGateway('gw_auth_http');

describe('HTTP surface', () => {
  it('serves /healthz, and /readyz only when every upstream answers its health check', async () => {
    const base = `http://127.0.0.1:${stack.gateway.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // This gateway has no chat-service to talk to.
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      services: { auth: true, chat: false, profiles: false },
    });
  });

  it('echoes a given x-request-id and makes one up otherwise', async () => {
    const given = await stack.gql('{ __typename }', {}, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await stack.gql('{ __typename }');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('passes the request id to the services, which log under it', async () => {
    const { logger, lines } = capturingLogger('auth-service');
    const traced = await startAuth({ AUTH_DATABASE_URL: stack.db.url }, logger);
    const tracedGateway = await startGateway([traced.port]);
    await graphqlClient(tracedGateway.port).request(
      LOGIN,
      { input: { email: 'nobody@example.com', password: 'whatever1' } },
      {
        headers: { 'x-request-id': 'trace-login-1' },
      },
    );
    expect(lines.some((line) => line.requestId === 'trace-login-1' && line.method === 'Login')).toBe(true);
    expect(lines.every((line) => line.service === 'auth-service')).toBe(true);
    // Passwords never reach a log line.
    expect(JSON.stringify(lines)).not.toContain('whatever1');
  });

  it('serves Prometheus metrics per process', async () => {
    // A registration first, for the count of Register calls to show.
    await stack.register();
    const res = await fetch(`http://127.0.0.1:${stack.auth.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="Register"[^}]*grpc_code="OK"[^}]*\} [1-9]/);
    expect((await fetch(`http://127.0.0.1:${stack.gateway.metricsPort}/metrics`)).status).toBe(200);
  });

  it('serves GraphiQL from the installed package, with no CDN', async () => {
    const res = await fetch(`http://127.0.0.1:${stack.gateway.port}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('GraphiQL');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdn\./);
    // Subscriptions over graphql-ws, with the headers pane's token (gateway/src/graphiql.ts).
    expect(html).toContain('graphqlWs.createClient');
  });
});

describe('upstream failures', () => {
  it('fails over to a live address and reports UNAVAILABLE when none answers', async () => {
    const dead = await startGateway([1]);
    const res = await graphqlClient(dead.port).request(REGISTER, { input: registration() });
    expect(errorOf(res)).toEqual({ code: 'UNAVAILABLE' });
    const ready = await fetch(`http://127.0.0.1:${dead.port}/readyz`);
    expect(ready.status).toBe(503);

    const mixed = await startGateway([1, stack.auth.port]);
    for (let i = 0; i < 4; i++) {
      const { email, username, password } = newAccount();
      const ok = await graphqlClient(mixed.port).request(REGISTER, { input: { email, username, password } });
      expect(ok.errors).toBeUndefined();
    }
  });

  it('puts a deadline on every call', async () => {
    // An auth-service that accepts calls and never answers them.
    const silent = new Server();
    const never = () => {};
    silent.addService(
      AuthServiceService,
      Object.fromEntries(Object.keys(AuthServiceService).map((name) => [name, never])),
    );
    const port = await new Promise<number>((resolve, reject) =>
      silent.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    leftover(() => silent.forceShutdown());
    const slow = await startGateway([port], { GRPC_DEADLINE: '300ms' });
    const res = await graphqlClient(slow.port).request(REGISTER, { input: registration() });
    expect(errorOf(res)).toEqual({ code: 'UNAVAILABLE' });
  });
});
