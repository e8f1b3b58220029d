import { request } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { graphqlClient, startGateway } from '../../test/support/gateway.js';
import type { GatewayApp } from '../../test/support/gateway.js';
import { leftover } from '../../test/support/leftovers.js';

// The gateway serves the built web client (gateway/src/web.ts) beside /graphql: index.html for
// the client's routes, hashed assets cached forever, nothing outside its folder.

let dir: string;
let root: string;
let assets: string[];
let gateway: GatewayApp;
let unbuilt: GatewayApp;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'messenger-web-'));
  leftover(() => rm(dir, { recursive: true, force: true }));
  root = join(dir, 'web');
  assets = await buildWeb(root);
  // A file beside the served folder, which no request may reach.
  await writeFile(join(dir, 'secret.txt'), 'not for the web\n');
  gateway = await startGateway([1], { WEB_ROOT: root });
  unbuilt = await startGateway([1], { WEB_ROOT: join(dir, 'never-built') });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path exactly as given: fetch would resolve `..` before sending it. */
function raw(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const asset = (extension: string) => {
  const name = assets.find((file) => file.startsWith('app-') && file.endsWith(extension));
  if (!name) throw new Error(`the build made no app-*${extension}: ${assets.join(', ')}`);
  return name;
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

function expectSecurityHeaders(answer: Answer) {
  expect(answer.headers['content-security-policy']).toBe(CSP);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['referrer-policy']).toBe('no-referrer');
  expect(answer.headers['x-frame-options']).toBe('DENY');
}

describe('the web client', () => {
  it('answers / and the client routes with index.html, never cached', async () => {
    const html = await readFile(join(root, 'index.html'), 'utf8');
    for (const path of ['/', '/chat/abc', '/chat/abc?message=7', '/settings/']) {
      const answer = await raw(gateway.port, path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(html)));
      expect(answer.body).toBe(html);
      expectSecurityHeaders(answer);
    }
    expect(html).toContain('<div id="root">');
    expect(html).toContain(`src="/assets/${asset('.js')}"`);
  });

  it('serves hashed assets with their type, length and immutable caching', async () => {
    const types = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
    for (const [extension, type] of Object.entries(types)) {
      const name = asset(extension);
      const content = await readFile(join(root, 'assets', name));
      const answer = await raw(gateway.port, `/assets/${name}`);
      expect(answer.status, name).toBe(200);
      expect(answer.headers['content-type']).toBe(type);
      expect(answer.headers['content-length']).toBe(String(content.length));
      expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(answer.body).toBe(content.toString());
      expectSecurityHeaders(answer);
    }
    const map = await raw(gateway.port, `/assets/${asset('.js')}.map`);
    expect(map.status).toBe(200);
    expect(map.headers['content-type']).toBe('application/json');
    expect(JSON.parse(map.body)).toHaveProperty('mappings');
  });

  it('answers HEAD like GET, without a body', async () => {
    for (const path of ['/', `/assets/${asset('.js')}`]) {
      const [get, head] = [await raw(gateway.port, path), await raw(gateway.port, path, 'HEAD')];
      expect(head.status, path).toBe(200);
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      expect(head.headers['cache-control']).toBe(get.headers['cache-control']);
      expect(head.body).toBe('');
    }
  });

  it('answers 404 for a missing asset and for files outside /assets', async () => {
    for (const path of ['/assets/app-00000000.js', '/assets/', '/assets/nested/app.js', '/index.html', '/x.png']) {
      const answer = await raw(gateway.port, path);
      expect(answer.status, path).toBe(404);
      expectSecurityHeaders(answer);
    }
  });

  it('refuses every path that tries to leave its folder', async () => {
    const attempts = [
      '/assets/../../etc/passwd',
      '/assets/../../secret.txt',
      '/assets/../index.html',
      '/../secret.txt',
      '/../../../../etc/passwd',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/%2E%2E%2F%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%5c..%5csecret.txt',
      `/assets/${asset('.js')}%00.png`,
      '/assets/%00',
      '/chat/%00',
      '/assets/%e0%a4%a',
      '/assets/./' + asset('.js'),
    ];
    for (const path of attempts) {
      const answer = await raw(gateway.port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toMatch(/root:|not for the web|<html/);
    }
  });

  it('leaves /graphql, GraphiQL, the health paths and other methods to the gateway', async () => {
    const result = await graphqlClient(gateway.port).request<{ __typename: string }>('{ __typename }');
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ __typename: 'Query' });
    const graphiql = await raw(gateway.port, '/graphql', 'GET', { accept: 'text/html' });
    expect(graphiql.status).toBe(200);
    expect(graphiql.body).toContain('GraphiQL');
    // Not the web client's policy (GraphiQL is one inline page), but its own (defence/browsers.ts).
    expect(graphiql.headers['content-security-policy']).not.toBe(CSP);
    expect(graphiql.headers['content-security-policy']).toMatch(/script-src 'sha256-/);
    expect((await raw(gateway.port, '/healthz')).body).toBe('{"status":"ok"}');
    expect((await raw(gateway.port, '/readyz')).headers['content-type']).toBe('application/json');
    // Not the web client's: anything but GET and HEAD goes to yoga, which knows no such path.
    const post = await raw(gateway.port, '/chat/abc', 'POST');
    expect(post.status).toBe(404);
    expect(post.body).not.toContain('<div id="root">');
  });

  it('says how to build the client when its folder has no index.html', async () => {
    for (const path of ['/', '/chat/abc']) {
      const answer = await raw(unbuilt.port, path);
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(answer.body).toMatch(/web client is not built.*npm run build:web/);
    }
    expect((await raw(unbuilt.port, `/assets/${asset('.js')}`)).status).toBe(404);
    const result = await graphqlClient(unbuilt.port).request('{ __typename }');
    expect(result.data).toEqual({ __typename: 'Query' });
  });
});
