import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadEnv, parseDuration } from '../lib/env.js';
import { authEnvSchema, loadAuthConfig } from '../services/auth/src/config.js';
import { gatewayEnvSchema, loadGatewayConfig } from '../gateway/src/config.js';
import { launcherEnvSchema } from '../scripts/config.js';
import { chatEnvSchema, loadChatConfig } from '../services/chat/src/config.js';
import { testKeys } from './support/keys.js';
import { profilesEnvSchema } from '../services/profiles/src/config.js';

const exampleKeys = () =>
  readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => line.split('=')[0]);

describe('.env.example', () => {
  it('lists exactly the variables the processes read', () => {
    const read = new Set(
      [authEnvSchema, chatEnvSchema, profilesEnvSchema, gatewayEnvSchema, launcherEnvSchema].flatMap((schema) =>
        Object.keys(schema.shape),
      ),
    );
    expect(new Set(exampleKeys())).toEqual(read);
  });

  it('states the defaults the processes use', () => {
    const example = Object.fromEntries(
      readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    type Field = { safeParse(value: unknown): { success: boolean; data?: unknown } };
    const fields = [authEnvSchema, chatEnvSchema, profilesEnvSchema, gatewayEnvSchema, launcherEnvSchema].flatMap(
      (schema) => Object.entries(schema.shape as Record<string, Field>),
    );
    for (const key of Object.keys(example)) {
      // Empty counts as unset (lib/env.ts): the process's own default applies, whatever it is.
      if (example[key] === '') continue;
      const withDefault = fields.filter(
        ([name, field]) => name === key && field.safeParse(undefined).data !== undefined,
      );
      if (withDefault.length === 0) {
        expect(example[key], `${key} has no default, so .env.example leaves it empty`).toBe('');
      }
      for (const [, field] of withDefault) {
        expect(field.safeParse(example[key]).data, `${key}'s default in .env.example`).toEqual(
          field.safeParse(undefined).data,
        );
      }
    }
  });
});

describe('.env.example copied to .env', () => {
  it('changes nothing: every process reads the same configuration as with no .env', () => {
    const example = Object.fromEntries(
      readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    for (const schema of [authEnvSchema, chatEnvSchema, profilesEnvSchema, gatewayEnvSchema, launcherEnvSchema]) {
      // What has no default (the key file, a service's database) is given to both alike.
      const given = {
        JWT_PRIVATE_KEY_FILE: 'keys/jwt-private-key.pem',
        ...Object.fromEntries(
          ['AUTH', 'CHAT', 'PROFILES'].map((s) => [`${s}_DATABASE_URL`, `postgres://db/${s.toLowerCase()}`]),
        ),
      };
      expect(loadEnv(schema, { ...example, ...given })).toEqual(loadEnv(schema, given));
    }
  });
});

describe('configuration', () => {
  it('parses durations', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2s')).toBe(2_000);
    expect(parseDuration('30d')).toBe(2_592_000_000);
    expect(parseDuration('500ms')).toBe(500);
    for (const bad of ['15', 'm', '-1s', '0s', '1.5h', '1w', '']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('names each wrong or missing variable', () => {
    expect(() => loadAuthConfig({})).toThrow(/AUTH_DATABASE_URL: is required[\s\S]*JWT_PRIVATE_KEY_FILE: is required/);
    expect(() =>
      loadAuthConfig({ AUTH_DATABASE_URL: 'mysql://x', JWT_PRIVATE_KEY_FILE: 'k.pem', ACCESS_TOKEN_TTL: 'soon' }),
    ).toThrow(/AUTH_DATABASE_URL: expected a postgres:\/\/ URL[\s\S]*ACCESS_TOKEN_TTL/);
    expect(() => loadChatConfig({ CHAT_DATABASE_URL: 'postgres://x/y', JWT_KEYS_REFRESH: 'often' })).toThrow(
      /JWT_KEYS_REFRESH/,
    );
    expect(() => loadGatewayConfig({ AUTH_GRPC_ADDR: 'nohost', GATEWAY_PORT: '70000' })).toThrow(
      /GATEWAY_PORT[\s\S]*AUTH_GRPC_ADDR/,
    );
  });

  it('reads lists, durations and empty values as unset', () => {
    const config = loadGatewayConfig({ AUTH_GRPC_ADDR: 'a:1, b:2', GRPC_DEADLINE: '2s', GATEWAY_PORT: '' });
    expect(config.upstreams.auth).toEqual(['a:1', 'b:2']);
    expect(config.grpcDeadlineMs).toBe(2_000);
    expect(config.port).toBe(8080);
    // The web client: the repository's web/dist, wherever the gateway is started from.
    expect(config.webRoot).toBe(fileURLToPath(new URL('../web/dist', import.meta.url)));
    expect(loadGatewayConfig({ WEB_ROOT: 'build/web' }).webRoot).toBe(resolve('build/web'));
  });

  it('npm start requires JWT_PRIVATE_KEY_FILE with database URLs, Redis for several chat-services, and no port 5432', () => {
    const launch = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
        cwd: new URL('..', import.meta.url).pathname,
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });
    const noSecret = launch({
      AUTH_DATABASE_URL: 'postgres://x@127.0.0.1:1/auth',
      CHAT_DATABASE_URL: 'postgres://x@127.0.0.1:1/chat',
      PROFILES_DATABASE_URL: 'postgres://x@127.0.0.1:1/profiles',
    });
    expect(noSecret.status).toBe(1);
    expect(noSecret.stderr).toContain('JWT_PRIVATE_KEY_FILE: is required when database URLs are set');
    const noRedis = launch({ CHAT_INSTANCES: '2' });
    expect(noRedis.status).toBe(1);
    expect(noRedis.stderr).toContain('CHAT_INSTANCES: more than one chat-service instance needs REDIS_URL');
    const badPort = launch({ EMBEDDED_PG_PORT: '5432' });
    expect(badPort.status).toBe(1);
    expect(badPort.stderr).toContain('EMBEDDED_PG_PORT: must not be 5432');
  });

  it('npm start refuses a mix of database URLs and embedded mode', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { PATH: process.env.PATH, AUTH_DATABASE_URL: 'postgres://x@127.0.0.1:1/auth' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('CHAT_DATABASE_URL, PROFILES_DATABASE_URL: set every database URL or none');
  });

  it('stops a process with a message naming the variable', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'services/auth/src/index.ts'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { PATH: process.env.PATH, AUTH_DATABASE_URL: 'postgres://x@127.0.0.1:1/auth' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('JWT_PRIVATE_KEY_FILE: is required');
    // A file that holds no private key (here: a public one) is refused at the start, named.
    const publicOnly = spawnSync(process.execPath, ['--import', 'tsx', 'services/auth/src/index.ts'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: {
        PATH: process.env.PATH,
        AUTH_DATABASE_URL: 'postgres://x@127.0.0.1:1/auth',
        JWT_PRIVATE_KEY_FILE: testKeys().publicKeyFile,
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(publicOnly.status).toBe(1);
    expect(publicOnly.stdout + publicOnly.stderr).toContain('JWT_PRIVATE_KEY_FILE: holds no PEM');
  });
});
