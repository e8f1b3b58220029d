import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { grpcTlsEnv, loadGrpcTls, type GrpcTls } from '../lib/env.js';
import { createServiceClient } from '../lib/grpc/client.js';
import { createHealthChecker } from '../lib/grpc/health.js';
import { as, newAccount, useAuthService } from './support/auth.js';
import { graphqlClient } from './support/gateway.js';
import { leftover } from './support/leftovers.js';
import { startSystem, type System } from './support/system.js';
import { opensslUnavailable, testCertificates, type TestCertificates } from './support/tls.js';
import { statusOf } from './support/wait.js';
import { AuthServiceClient } from '../proto/gen/auth/v1/auth.js';
import { authEnvSchema } from '../services/auth/src/config.js';
import { chatEnvSchema } from '../services/chat/src/config.js';
import { profilesEnvSchema } from '../services/profiles/src/config.js';
import { gatewayEnvSchema, loadGatewayConfig } from '../gateway/src/config.js';

/**
 * gRPC TLS (GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE, GRPC_TLS_CA_FILE): a real auth-service with
 * TLS, then with mTLS, against clients with and without the right certificates; the whole system
 * with mTLS between every process; and the checks of the settings at start.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const unavailable = opensslUnavailable();
if (unavailable) process.stdout.write(`${unavailable}\n`);
// Made when the file is collected: the services' settings name the files.
const certs = unavailable ? undefined : testCertificates();
if (certs) leftover(() => certs.remove());
const files = certs as TestCertificates;

/** TLS settings as a process would load them from these variables. */
const tlsFrom = (variables: Record<string, string>) => loadGrpcTls({ serves: false }, variables);

/** register on auth-service at `port`, with `tls` (undefined: plaintext); how the call ended. */
async function registerWith(port: number, tls: GrpcTls | undefined): Promise<string | undefined> {
  const client = createServiceClient(AuthServiceClient, [`127.0.0.1:${port}`], { deadlineMs: 5_000, tls });
  try {
    return await statusOf(client.unary.register(newAccount('tls'), as()));
  } finally {
    client.close();
  }
}

async function healthyWith(port: number, tls: GrpcTls | undefined): Promise<boolean> {
  const checker = createHealthChecker(tls);
  try {
    return await checker.check(`127.0.0.1:${port}`, 3_000);
  } finally {
    checker.close();
  }
}

/** scripts/healthcheck.ts (the compose and exec-probe check) against `port`, with `env`; its exit code. */
function healthcheckScript(port: number, env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/healthcheck.ts', `grpc://127.0.0.1:${port}`], {
    cwd: ROOT,
    env: { ...process.env, GRPC_TLS_CERT_FILE: '', GRPC_TLS_KEY_FILE: '', GRPC_TLS_CA_FILE: '', ...env },
    stdio: 'ignore',
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe.skipIf(!certs)('auth-service with TLS (certificate, no CA)', () => {
  const svc = useAuthService('grpc_tls', certs ? { GRPC_TLS_CERT_FILE: files.cert, GRPC_TLS_KEY_FILE: files.key } : {});

  it('answers a client that verifies it with the CA', async () => {
    expect(await registerWith(svc.app.port, tlsFrom({ GRPC_TLS_CA_FILE: files.ca }))).toBe('OK');
    expect(await healthyWith(svc.app.port, tlsFrom({ GRPC_TLS_CA_FILE: files.ca }))).toBe(true);
  });

  it('is refused by a client that trusts another CA, and refuses plaintext', async () => {
    expect(await registerWith(svc.app.port, tlsFrom({ GRPC_TLS_CA_FILE: files.otherCa }))).toBe('UNAVAILABLE');
    expect(await registerWith(svc.app.port, undefined)).toBe('UNAVAILABLE');
    expect(await healthyWith(svc.app.port, undefined)).toBe(false);
  });
});

describe.skipIf(!certs)('auth-service with mTLS (certificate and CA)', () => {
  const serverEnv = certs
    ? { GRPC_TLS_CERT_FILE: files.cert, GRPC_TLS_KEY_FILE: files.key, GRPC_TLS_CA_FILE: files.ca }
    : {};
  const svc = useAuthService('grpc_mtls', serverEnv);

  it('answers a client with a certificate the CA signed', async () => {
    expect(await registerWith(svc.app.port, tlsFrom(serverEnv))).toBe('OK');
    expect(await healthyWith(svc.app.port, tlsFrom(serverEnv))).toBe(true);
  });

  it('refuses a client without a certificate, with one of another CA, and plaintext', async () => {
    const port = svc.app.port;
    expect(await registerWith(port, tlsFrom({ GRPC_TLS_CA_FILE: files.ca }))).toBe('UNAVAILABLE');
    const stranger = { GRPC_TLS_CERT_FILE: files.otherCert, GRPC_TLS_KEY_FILE: files.otherKey };
    expect(await registerWith(port, tlsFrom({ ...stranger, GRPC_TLS_CA_FILE: files.ca }))).toBe('UNAVAILABLE');
    expect(await registerWith(port, undefined)).toBe('UNAVAILABLE');
    // Health checks too: a probe needs a certificate (docs/deployment.md).
    expect(await healthyWith(port, tlsFrom({ GRPC_TLS_CA_FILE: files.ca }))).toBe(false);
    expect(await healthyWith(port, undefined)).toBe(false);
  });

  it("answers scripts/healthcheck.ts with the process's variables, not without them", async () => {
    expect(await healthcheckScript(svc.app.port, serverEnv)).toBe(0);
    expect(await healthcheckScript(svc.app.port, {})).toBe(1);
  });
});

describe.skipIf(!certs)('the whole system with mTLS between every process', () => {
  let system: System | undefined;

  beforeAll(async () => {
    system = await startSystem('grpc_mtls', {
      GRPC_TLS_CERT_FILE: files.cert,
      GRPC_TLS_KEY_FILE: files.key,
      GRPC_TLS_CA_FILE: files.ca,
    });
    leftover(() => system?.stop());
  }, 120_000);

  it('serves GraphQL through gateway → auth, chat → auth, profiles → auth and chat', async () => {
    const gql = graphqlClient(system!.gatewayPort).request;
    const register = async (tag: string) => {
      const { email, username, password } = newAccount(tag);
      const res = await gql<{ register: { accessToken: string; user: { id: string } } }>(
        'mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
        { input: { email, username, password } },
      );
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return res.data!.register;
    };
    const alice = await register('alice');
    const bob = await register('bob');
    // chat-service looks bob up with auth-service before the chat exists.
    const chat = await gql<{ createDirectChat: { id: string } }>(
      'mutation ($userId: ID!) { createDirectChat(userId: $userId) { id } }',
      { userId: bob.user.id },
      { token: alice.accessToken },
    );
    expect(chat.errors, JSON.stringify(chat.errors)).toBeUndefined();
    const sent = await gql<{ sendMessage: { body: string } }>(
      'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { body } }',
      { input: { chatId: chat.data!.createDirectChat.id, body: 'over mTLS', clientMessageId: 'm1' } },
      { token: bob.accessToken },
    );
    expect(sent.errors, JSON.stringify(sent.errors)).toBeUndefined();
    expect(sent.data?.sendMessage.body).toBe('over mTLS');
    // profiles-service asks auth-service for the username and tells chat-service of the change.
    const profile = await gql<{ updateProfile: { username: string; profile: { displayName: string } } }>(
      'mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { username profile { displayName } } }',
      { input: { displayName: 'Alice over mTLS' } },
      { token: alice.accessToken },
    );
    expect(profile.errors, JSON.stringify(profile.errors)).toBeUndefined();
    expect(profile.data?.updateProfile.profile.displayName).toBe('Alice over mTLS');
  });
});

describe.skipIf(!certs)('GRPC_TLS_* checked at start', () => {
  const load = (variables: Record<string, string>) => loadGrpcTls({ serves: true }, variables);

  it('is read by every service and the gateway', () => {
    for (const schema of [authEnvSchema, chatEnvSchema, profilesEnvSchema, gatewayEnvSchema]) {
      expect(Object.keys(schema.shape)).toEqual(expect.arrayContaining(Object.keys(grpcTlsEnv)));
    }
  });

  it('means plaintext when nothing is set', () => {
    expect(load({})).toBeUndefined();
    expect(loadGatewayConfig({}).grpcTls).toBeUndefined();
  });

  it('names the variable of a file that is missing or holds no PEM', () => {
    expect(() => load({ GRPC_TLS_CA_FILE: join(files.dir, 'missing.pem') })).toThrow(
      /GRPC_TLS_CA_FILE: cannot read .*missing\.pem/,
    );
    const junk = join(files.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    expect(() => load({ GRPC_TLS_CERT_FILE: junk, GRPC_TLS_KEY_FILE: files.key })).toThrow(
      /GRPC_TLS_CERT_FILE: .*junk\.pem holds no PEM certificate/,
    );
    expect(() => load({ GRPC_TLS_CERT_FILE: files.cert, GRPC_TLS_KEY_FILE: junk })).toThrow(
      /GRPC_TLS_KEY_FILE: .*junk\.pem holds no PEM private key/,
    );
  });

  it('wants the certificate and its own key together', () => {
    expect(() => load({ GRPC_TLS_CERT_FILE: files.cert })).toThrow(/GRPC_TLS_KEY_FILE: is required/);
    expect(() => load({ GRPC_TLS_KEY_FILE: files.key })).toThrow(/GRPC_TLS_CERT_FILE: is required/);
    expect(() => load({ GRPC_TLS_CERT_FILE: files.cert, GRPC_TLS_KEY_FILE: files.otherKey })).toThrow(
      /GRPC_TLS_KEY_FILE: .* is not the key of the certificate/,
    );
  });

  it('lets a client (the gateway) verify with a CA alone, not a service', () => {
    expect(loadGatewayConfig({ GRPC_TLS_CA_FILE: files.ca }).grpcTls?.ca).toBeDefined();
    expect(() => load({ GRPC_TLS_CA_FILE: files.ca })).toThrow(/GRPC_TLS_CERT_FILE: is required with GRPC_TLS_CA_FILE/);
  });

  it('stops npm start before any process starts', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, GRPC_TLS_CERT_FILE: files.cert, GRPC_TLS_KEY_FILE: join(files.dir, 'nokey.pem') },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/GRPC_TLS_KEY_FILE: cannot read .*nokey\.pem/);
  });
});
