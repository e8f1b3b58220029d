import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { beforeAll, describe, expect, it, inject } from 'vitest';
import WebSocket from 'ws';
import { parse, parseAllDocuments } from 'yaml';
import { dropDatabase } from '../../lib/db.js';
import { graphqlClient } from '../support/gateway.js';
import { testKeys } from '../support/keys.js';
import { leftover } from '../support/leftovers.js';
import { freePort } from '../support/ports.js';
import { alive, cmdlineOf, descendants } from '../support/processes.js';
import { until } from '../support/wait.js';
import { ROOT, commandOf } from './processes.js';

/**
 * `npm run build`, then `NODE_ENV=production npm start` on what it built: the compiled system
 * comes up with plain node in every process (no tsx), serves GraphQL, subscriptions and the web
 * client, answers the health checks the image uses, and stops cleanly. It runs in a folder of
 * its own (a copy of package.json beside the build, node_modules found up the tree), so that the
 * repository's dist/ is left alone.
 */

const READY_TIMEOUT_MS = 60_000;
const pkg = join(ROOT, 'test-artifacts', `build-${randomBytes(4).toString('hex')}`);
const dist = join(pkg, 'dist');
const databaseName = `build_${randomBytes(4).toString('hex')}`;
const databases = ['auth', 'chat', 'profiles'].map((service) => {
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${databaseName}_${service}`;
  return [service, url.toString()] as const;
});

let output = '';
let ports: { gateway: number; auth: number; chat: number; profiles: number };

beforeAll(async () => {
  mkdirSync(pkg, { recursive: true });
  leftover(() => rmSync(pkg, { recursive: true, force: true }));
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  const build = spawnSync('npm', ['run', 'build', '--', dist], { cwd: ROOT, encoding: 'utf8' });
  expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
  ports = { gateway: await freePort(), auth: await freePort(), chat: await freePort(), profiles: await freePort() };
}, 180_000);

/** Every JavaScript file under `dir`. */
const scripts = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? scripts(join(dir, entry.name)) : entry.name.endsWith('.js') ? [join(dir, entry.name)] : [],
  );

describe('npm run build', () => {
  it('compiles every process, with what they read at run time beside them', () => {
    for (const file of [
      'scripts/start.js',
      'scripts/migrate.js',
      'scripts/healthcheck.js',
      'services/auth/src/index.js',
      'services/chat/src/index.js',
      'services/profiles/src/index.js',
      'gateway/src/index.js',
      'proto/chat/v1/chat.proto',
      'schema/chat.graphql',
      'web/dist/index.html',
    ]) {
      expect(existsSync(join(dist, file)), file).toBe(true);
    }
    expect(scripts(dist).filter((file) => /\.test\.js$|(^|\/)test\//.test(file))).toEqual([]);
  });

  it('imports only production dependencies (the image installs nothing else)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const allowed = new Set([...Object.keys(manifest.dependencies), ...builtinModules]);
    const imported = new Set<string>();
    for (const file of scripts(dist)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(
        /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
      )) {
        const specifier = (match[1] ?? match[2])!;
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const parts = specifier.split('/');
        imported.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
    expect([...imported].filter((name) => !allowed.has(name))).toEqual([]);
  });

  it('holds every file the compose file and manifests run', () => {
    const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<string, { command?: string[]; healthcheck?: { test: string[] } }>;
    };
    const k8s = readdirSync(join(ROOT, 'deploy', 'k8s'))
      .filter((file) => file.endsWith('.yaml'))
      .flatMap((file) => parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'k8s', file), 'utf8')))
      .map((doc) => doc.toJS() as { spec?: { template?: { spec: { containers: { command?: string[] }[] } } } });
    const commands = [
      ...Object.values(compose.services).flatMap((s) => [s.command ?? [], s.healthcheck?.test.slice(1) ?? []]),
      ...k8s.flatMap((r) => r.spec?.template?.spec.containers.map((c) => c.command ?? []) ?? []),
    ].filter((command) => command[0] === 'node');
    expect(commands.length).toBeGreaterThan(10);
    for (const command of commands) expect(existsSync(join(pkg, command[1]!)), command.join(' ')).toBe(true);
  });
});

describe('NODE_ENV=production npm start', () => {
  it('runs the compiled system with plain node, the processes the deployments run', { timeout: 120_000 }, async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ...Object.fromEntries(databases.map(([service, url]) => [`${service.toUpperCase()}_DATABASE_URL`, url])),
      JWT_PRIVATE_KEY_FILE: testKeys().privateKeyFile,
      GATEWAY_PORT: String(ports.gateway),
      AUTH_GRPC_LISTEN: `127.0.0.1:${ports.auth}`,
      CHAT_GRPC_LISTEN: `127.0.0.1:${ports.chat}`,
      PROFILES_GRPC_LISTEN: `127.0.0.1:${ports.profiles}`,
      METRICS_PORT: '0',
    };
    // Created by the launcher's migrations; dropped once it is gone.
    leftover(async () => {
      for (const [, url] of databases) await dropDatabase(url);
    });
    const child = spawn('npm', ['start'], { cwd: pkg, env, stdio: ['ignore', 'pipe', 'pipe'] });
    // The test stops it with SIGTERM; one a failed test left running is killed.
    leftover(() => child.exitCode === null && child.kill('SIGKILL'));
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${ports.gateway}`;
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
        return fetch(`${base}/readyz`).then(
          (res) => res.ok,
          () => false,
        );
      },
      () => `the compiled system to get ready:\n${output}`,
      READY_TIMEOUT_MS,
    );

    // Every process: plain node on a compiled entry, none with tsx; the same set the image runs.
    const tree = descendants(child.pid!);
    const commandLines = tree.map(cmdlineOf).filter(Boolean);
    expect(commandLines.filter((line) => line.includes('tsx'))).toEqual([]);
    const entries = commandLines.flatMap((line) => /\bnode (dist\/\S+\.js)/.exec(line)?.[1] ?? []);
    expect(entries.sort()).toEqual(
      [
        'scripts/start',
        'services/auth/src/index',
        'services/chat/src/index',
        'services/profiles/src/index',
        'gateway/src/index',
      ]
        .map((entry) => `dist/${entry}.js`)
        .sort(),
    );
    for (const name of ['auth', 'chat', 'profiles', 'gateway'] as const) expect(entries).toContain(commandOf(name)[1]);

    // GraphQL: an account, a chat, a message that reaches a subscriber over WebSocket.
    const gql = graphqlClient(ports.gateway).request;
    const register = async (name: string) => {
      const res = await gql<{ register: { accessToken: string; user: { id: string } } }>(
        'mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
        { input: { email: `${name}@example.com`, username: name, password: 'a long password' } },
      );
      expect(res.errors).toBeUndefined();
      return { token: res.data!.register.accessToken, id: res.data!.register.user.id };
    };
    const ada = await register('build_ada');
    const bob = await register('build_bob');
    const chat = await gql<{ createDirectChat: { id: string } }>(
      'mutation ($id: ID!) { createDirectChat(userId: $id) { id } }',
      { id: bob.id },
      { token: ada.token },
    );
    expect(chat.errors).toBeUndefined();
    const chatId = chat.data!.createDirectChat.id;
    const client = createClient({
      url: `ws://127.0.0.1:${ports.gateway}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${bob.token}` },
    });
    const disposeClient = leftover(() => client.dispose());
    const bodies: string[] = [];
    const subscribed = new Promise<void>((resolve, reject) => {
      client.subscribe<{ chatEvents: { __typename: string; message?: { body: string } } }>(
        {
          query:
            'subscription ($r: [ChatCursorInput!]) { chatEvents(resume: $r) { __typename ... on MessageCreated { message { body } } } }',
          variables: { r: [{ chatId, afterSeq: 0 }] },
        },
        {
          next: ({ data }) => {
            if (data?.chatEvents.message) bodies.push(data.chatEvents.message.body);
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    void subscribed.catch(() => {});
    const sent = await gql(
      'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }',
      { input: { chatId, body: 'compiled', clientMessageId: 'b1' } },
      { token: ada.token },
    );
    expect(sent.errors).toBeUndefined();
    await until(() => bodies.includes('compiled'), 'the message to reach the subscriber');
    await disposeClient();

    // The web client that the build put in dist/web/dist, served at /; GraphiQL off in production.
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const graphiql = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).not.toMatch(/graphiql/i);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    // The health checks compose runs, against the real processes; a port nobody serves fails.
    const healthcheck = (target: string) =>
      spawnSync(process.execPath, [join(dist, 'scripts', 'healthcheck.js'), target], { cwd: pkg }).status;
    for (const port of [ports.auth, ports.chat, ports.profiles])
      expect(healthcheck(`grpc://127.0.0.1:${port}`)).toBe(0);
    expect(healthcheck(`${base}/readyz`)).toBe(0);
    expect(healthcheck(`grpc://127.0.0.1:${await freePort()}`)).toBe(1);

    // SIGTERM stops everything.
    child.kill('SIGTERM');
    expect([0, 143]).toContain(await exited);
    await until(() => !tree.some(alive), 'every process to stop', 10_000);
  });
});
