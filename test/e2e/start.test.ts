import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from '../support/gateway.js';
import { leftover } from '../support/leftovers.js';
import { alive, descendants, embeddedLauncherEnv } from '../support/processes.js';
import { until } from '../support/wait.js';

/**
 * `npm start` as a newcomer runs it: embedded PostgreSQL in a fresh DATA_DIR, every process,
 * ready on /readyz; SIGTERM then stops everything, leaving no process behind.
 */

const ROOT = new URL('../..', import.meta.url).pathname;

let env: NodeJS.ProcessEnv;
let gatewayPort: number;

beforeAll(async () => {
  const launcher = await embeddedLauncherEnv('e2e');
  leftover(launcher.dispose);
  ({ env, gatewayPort } = launcher);
});

async function start(): Promise<{ child: ChildProcess; seconds: number; output: () => string }> {
  const began = performance.now();
  const child = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Stopped by the test (stopAndCheck); if it failed first, stopped as Ctrl-C would stop it.
  leftover(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const ready = () =>
    fetch(`http://127.0.0.1:${gatewayPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  // Ready, or gone: either ends the wait.
  const started = await until(async () => child.exitCode !== null || (await ready()), 'npm start', 60_000).then(
    () => child.exitCode === null,
    () => false,
  );
  if (!started) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`npm start did not get ready:\n${output}`);
  }
  return { child, seconds: (performance.now() - began) / 1000, output: () => output };
}

async function stopAndCheck(child: ChildProcess): Promise<number> {
  const tree = descendants(child.pid!);
  expect(tree.length).toBeGreaterThanOrEqual(3); // launcher, auth-service, gateway, postgres …
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const began = performance.now();
  child.kill('SIGTERM');
  const code = await exited;
  const seconds = (performance.now() - began) / 1000;
  // Whatever was still shutting down when npm exited gets a moment; nothing may outlive that.
  await until(() => !tree.some(alive), 'every process gone', 5_000).catch(() => {});
  expect(tree.filter(alive)).toEqual([]);
  // npm reports a SIGTERM it forwarded as 143 (128 + 15) or as the script's own 0, by timing.
  expect([0, 143]).toContain(code);
  return seconds;
}

describe('npm start (embedded mode)', () => {
  it('comes up, serves GraphQL, stops cleanly, and keeps its data across a restart', { timeout: 180_000 }, async () => {
    const first = await start();
    const gql = graphqlClient(gatewayPort).request;
    const input = { email: 'e2e@example.com', username: 'e2e_user', password: 'a long password' };
    const registered = await gql<{ register: { accessToken: string } }>(
      'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
      { input },
    );
    expect(registered.errors).toBeUndefined();
    const me = await gql<{ me: { username: string } }>(
      '{ me { username } }',
      {},
      { token: registered.data!.register.accessToken },
    );
    expect(me.data?.me.username).toBe('e2e_user');
    expect(first.output()).toContain(`GraphiQL: http://localhost:${gatewayPort}/graphql`);
    expect(first.output()).toContain(`Web client: http://localhost:${gatewayPort}/`);
    // The web client was built before the gateway started, and is served at /.
    const page = await fetch(`http://127.0.0.1:${gatewayPort}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    const script = /src="(\/assets\/app-[\w-]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const code = await fetch(`http://127.0.0.1:${gatewayPort}${script}`);
    expect(code.status).toBe(200);
    expect(code.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const firstStop = await stopAndCheck(first.child);

    // The token key pair was generated once into DATA_DIR, the private key readable by its owner only.
    expect((await stat(join(env.DATA_DIR!, 'jwt-private-key.pem'))).mode & 0o077).toBe(0);
    const publicKeys = await readFile(join(env.DATA_DIR!, 'jwt-public-key.pem'), 'utf8');
    expect(publicKeys).toMatch(/^-----BEGIN PUBLIC KEY-----/);

    const second = await start();
    const login = await gql<{ login: { accessToken: string } }>(
      'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
      { input: { email: input.email, password: input.password } },
    );
    expect(login.errors).toBeUndefined();
    const secondStop = await stopAndCheck(second.child);
    process.stdout.write(
      `npm start: first start ready in ${first.seconds.toFixed(1)} s, restart in ${second.seconds.toFixed(1)} s; ` +
        `stops took ${firstStop.toFixed(1)} s and ${secondStop.toFixed(1)} s\n`,
    );
  });
});
