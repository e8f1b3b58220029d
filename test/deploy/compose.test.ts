import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEnv } from '../../lib/env.js';
import { leftover } from '../support/leftovers.js';
import {
  DIAL_VARIABLES,
  PROCESSES,
  ROOT,
  commandOf,
  hostOf,
  portOf,
  processOf,
  toolUnavailable,
  variablesOf,
  type ProcessName,
} from './processes.js';

/**
 * compose.yaml, checked without a container engine: it renders with `docker-compose config`
 * (Debian's docker-compose 1.29, which needs no engine for it), and every service it runs is one
 * of the launcher's processes, given only variables that process reads, valid ones, with health
 * checks on the ports it listens on and addresses that reach the services they name.
 */

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  env_file?: string | string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
}

const composeText = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
/** As written (anchors and merge keys resolved), before .env comes in. */
const source = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const services = Object.entries(source.services);
const environmentOf = (service: ComposeService) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]));
const runs = (name: ProcessName) => services.filter(([, service]) => processOf(service.command) === name);

const SECRETS = { POSTGRES_PASSWORD: 'p4ssw0rd' };

describe('compose.yaml', () => {
  it('runs the launcher’s processes: keys, migrations, auth, two chat-services, profiles, two gateways', () => {
    const counts = Object.fromEntries(Object.keys(PROCESSES).map((name) => [name, runs(name as ProcessName).length]));
    expect(counts).toEqual({ auth: 1, chat: 2, profiles: 1, gateway: 2, migrate: 1, keys: 1 });
    const others = services.filter(([, service]) => processOf(service.command) === undefined).map(([name]) => name);
    expect(others.sort()).toEqual(['postgres', 'proxy', 'redis']);
    // One image for all of them, each selected by its command; settings from .env.
    for (const [name, service] of services.filter(([, s]) => processOf(s.command))) {
      expect(service.image, name).toBe('messenger:latest');
      expect(service.env_file, name).toBe('.env');
      expect(service.command, name).toEqual(commandOf(processOf(service.command)!));
    }
  });

  it('sets only variables each process reads, and valid values', () => {
    for (const [name, service] of services) {
      const process = processOf(service.command);
      if (!process) continue;
      const environment = environmentOf(service);
      const unknown = Object.keys(environment).filter((key) => !variablesOf(process).has(key));
      expect(unknown, `${name} sets variables ${process} does not read`).toEqual([]);
      const interpolated = Object.fromEntries(
        Object.entries(environment).map(([key, value]) => [
          key,
          value.replace(/\$\{(\w+):\?[^}]*\}/g, (_, variable: keyof typeof SECRETS) => SECRETS[variable]),
        ]),
      );
      expect(() => loadEnv(PROCESSES[process].schema, interpolated), name).not.toThrow();
    }
  });

  it('checks health on the port each process listens on', () => {
    for (const [name, service] of services) {
      const process = processOf(service.command);
      if (!process || process === 'migrate' || process === 'keys') continue;
      const environment = environmentOf(service);
      const listen = PROCESSES[process].grpcListen;
      const target = listen
        ? `grpc://127.0.0.1:${portOf(environment[listen]!)}`
        : `http://127.0.0.1:${environment.GATEWAY_PORT}/readyz`;
      expect(service.healthcheck?.test, name).toEqual(['CMD', 'node', 'dist/scripts/healthcheck.js', target]);
      if (listen) expect(hostOf(environment[listen]!), `${name} listens beyond its container`).toBe('0.0.0.0');
      else expect(environment.GATEWAY_HOST, name).toBe('0.0.0.0');
      expect(environment.METRICS_HOST, name).toBe('0.0.0.0');
      expect(Number(environment.METRICS_PORT), `${name}'s fixed metrics port`).toBeGreaterThanOrEqual(9400);
    }
  });

  it('dials each service at an address where one of its instances listens', () => {
    for (const [name, service] of services) {
      const environment = environmentOf(service);
      for (const [variable, target] of Object.entries(DIAL_VARIABLES)) {
        if (!environment[variable]) continue;
        const addresses = environment[variable].split(',');
        // Every instance is listed: each takes its share of calls and of Deliver streams.
        expect(addresses.map(hostOf).sort(), `${name}'s ${variable}`).toEqual(runs(target).map(([host]) => host));
        for (const address of addresses) {
          const dialed = source.services[hostOf(address)]!;
          const listen = PROCESSES[target].grpcListen;
          expect(portOf(environmentOf(dialed)[listen]!), `${name}'s ${variable}: ${address}`).toBe(portOf(address));
        }
      }
    }
  });

  it('starts the services after the migrations, the gateways after the services, the proxy after them', () => {
    expect(runs('migrate')[0]![1].depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of ['auth', 'chat', 'profiles', 'gateway'] as const) {
      for (const [service, spec] of runs(name)) {
        if (name !== 'gateway') {
          expect(spec.depends_on?.migrate, service).toEqual({ condition: 'service_completed_successfully' });
        }
        expect(spec.depends_on?.keys, service).toEqual({ condition: 'service_completed_successfully' });
      }
    }
    const services = [...runs('auth'), ...runs('chat'), ...runs('profiles')].map(([name]) => name);
    for (const [gateway, spec] of runs('gateway')) {
      for (const service of services) {
        expect(spec.depends_on?.[service], `${gateway} waits for ${service}`).toEqual({ condition: 'service_healthy' });
      }
    }
    const proxy = source.services.proxy!;
    expect(Object.keys(proxy.depends_on ?? {}).sort()).toEqual(runs('gateway').map(([name]) => name));
  });

  it('mounts the private token key into auth-service alone; the others read the public keys', () => {
    const mounts = (service: ComposeService) => (service.volumes ?? []).map((volume) => volume.split(':'));
    const [keysName, keys] = runs('keys')[0]!;
    expect(mounts(keys), keysName).toEqual([
      ['private-keys', '/keys/private'],
      ['public-keys', '/keys/public'],
    ]);
    // The folders the Dockerfile makes for them, owned by the processes' user.
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/mkdir -p \/keys\/private \/keys\/public && chown 1000:1000/);
    for (const [name, service] of services) {
      const process = processOf(service.command);
      if (!process || process === 'keys' || process === 'migrate') continue;
      const environment = environmentOf(service);
      if (process === 'auth') {
        expect(mounts(service), name).toEqual([['private-keys', '/keys/private', 'ro']]);
        expect(environment.JWT_PRIVATE_KEY_FILE, name).toBe(environmentOf(keys).JWT_PRIVATE_KEY_FILE);
      } else {
        expect(mounts(service), name).toEqual([['public-keys', '/keys/public', 'ro']]);
        expect(environment.JWT_PUBLIC_KEY_FILE, name).toBe(environmentOf(keys).JWT_PUBLIC_KEY_FILE);
        expect(environment.JWT_PRIVATE_KEY_FILE, name).toBeUndefined();
      }
    }
    for (const [name, service] of services.filter(([, s]) => !processOf(s.command))) {
      expect(JSON.stringify(service.volumes ?? []), name).not.toContain('keys');
    }
  });

  it('puts the gateways behind a proxy that passes WebSockets', () => {
    const proxy = source.services.proxy!;
    const mount = proxy.volumes?.find((volume) => volume.endsWith(':/etc/nginx/nginx.conf:ro'));
    expect(mount).toBeDefined();
    const nginx = readFileSync(join(ROOT, mount!.split(':')[0]!), 'utf8');
    const upstreams = [...nginx.matchAll(/^\s*server\s+([\w.-]+:\d+)/gm)].map((match) => match[1]!);
    expect(upstreams).toEqual(
      runs('gateway').map(([name, spec]) => `${name}:${String(spec.environment?.GATEWAY_PORT)}`),
    );
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(nginx).toMatch(/proxy_http_version 1\.1;/);
    // The gateways believe the one proxy in front of them about the client's address.
    expect(nginx).toMatch(/X-Forwarded-For \$proxy_add_x_forwarded_for/);
    for (const [, spec] of runs('gateway')) expect(String(spec.environment?.TRUST_PROXY)).toBe('1');
    const listen = /^\s*listen\s+(\d+);/m.exec(nginx)?.[1];
    expect(proxy.ports).toEqual([`8080:${listen}`]);
  });
});

const composeMissing = toolUnavailable(
  'docker-compose',
  ['version'],
  'apt-get install docker-compose; .ci/run installs it',
);

describe.skipIf(composeMissing)('docker-compose config', () => {
  // A project folder of its own, with a .env as an operator makes it (`cp .env.example .env`,
  // then POSTGRES_PASSWORD), so that the repository's own .env plays no part.
  const project = mkdtempSync(join(tmpdir(), 'messenger-compose-'));
  leftover(() => rmSync(project, { recursive: true, force: true }));
  const config = (env: string) => {
    writeFileSync(join(project, '.env'), env);
    return spawnSync('docker-compose', ['--project-directory', project, '-f', join(ROOT, 'compose.yaml'), 'config'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
  };
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8');

  it('renders with .env.example and POSTGRES_PASSWORD, and every process reads a valid configuration', () => {
    const rendered = config(
      `${example}\n${Object.entries(SECRETS)
        .map(([key, value]) => `${key}=${value}`)
        .join('\n')}\n`,
    );
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    const { services } = parse(rendered.stdout) as { services: Record<string, ComposeService> };
    expect(Object.keys(services).sort()).toEqual(Object.keys(source.services).sort());
    for (const [name, service] of Object.entries(services)) {
      const process = processOf(service.command);
      if (!process) continue;
      // What the container gets: .env, with compose.yaml's settings over it.
      const environment = environmentOf(service);
      expect(() => loadEnv(PROCESSES[process].schema, environment), name).not.toThrow();
      expect(environment, name).toMatchObject(
        Object.fromEntries(
          Object.entries(environmentOf(source.services[name]!)).filter(([, value]) => !value.includes('${')),
        ),
      );
    }
  });

  it('refuses to render without POSTGRES_PASSWORD', () => {
    const noPassword = config(example);
    expect(noPassword.status).not.toBe(0);
    expect(noPassword.stderr).toContain('set POSTGRES_PASSWORD in .env');
  });
});
