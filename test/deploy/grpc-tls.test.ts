import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { grpcTlsEnv } from '../../lib/env.js';
import { PROCESSES, ROOT, commandOf, processOf, toolUnavailable, variablesOf, type ProcessName } from './processes.js';

/**
 * The gRPC mTLS overlays, checked without an engine or cluster: compose.grpc-tls.yaml over
 * compose.yaml, and deploy/k8s-grpc-tls over deploy/k8s. Every process that makes or serves gRPC
 * calls (not the migrations) gets GRPC_TLS_* naming files in a read-only mount of its own, and the
 * services' probes become the image's health check on their gRPC port, which speaks their TLS.
 */

const VARIABLES = Object.keys(grpcTlsEnv);
/** Every process but the migrations reads GRPC_TLS_*. */
/** The processes that speak gRPC: not the one-shot migrations and token keys. */
const TLS_PROCESSES: ProcessName[] = (Object.keys(PROCESSES) as ProcessName[]).filter(
  (name) => name !== 'migrate' && name !== 'keys',
);
const healthcheckOf = (port: number) => ['node', 'dist/scripts/healthcheck.js', `grpc://127.0.0.1:${port}`];

describe('compose.grpc-tls.yaml', () => {
  interface Service {
    command?: string[];
    environment?: Record<string, string>;
    volumes?: string[];
    healthcheck?: { test: string[] };
  }
  const base = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };
  const overlay = parse(readFileSync(join(ROOT, 'compose.grpc-tls.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

  it('gives every gRPC process of compose.yaml its files, read-only, and the migrations nothing', () => {
    const expected = Object.entries(base.services)
      .filter(([, service]) => TLS_PROCESSES.includes(processOf(service.command)!))
      .map(([name]) => name);
    expect(Object.keys(overlay.services).sort()).toEqual(expected.sort());
    const folders = new Map<string, string>();
    for (const [name, service] of Object.entries(overlay.services)) {
      const process = processOf(base.services[name]!.command)!;
      expect([...variablesOf(process)], name).toEqual(expect.arrayContaining(VARIABLES));
      expect(Object.keys(service.environment ?? {}).sort(), name).toEqual([...VARIABLES].sort());
      const mounts = (service.volumes ?? []).map((volume) => volume.split(':'));
      for (const path of Object.values(service.environment ?? {})) {
        const mount = mounts.find(([, target]) => path.startsWith(`${target}/`));
        expect(mount, `${name}: ${path}`).toBeDefined();
        expect(mount![2], `${name}: ${path}`).toBe('ro');
        folders.set(name, mount![0]!);
      }
    }
    // Each service its own certificate (it must name the host dialled); the gateways may share one.
    const services = [...folders].filter(([name]) => !name.startsWith('gateway'));
    expect(new Set(services.map(([, folder]) => folder)).size).toBe(services.length);
  });

  it('leaves the health checks to the image’s script, which reads the same variables', () => {
    for (const name of Object.keys(overlay.services)) {
      expect(base.services[name]!.healthcheck?.test.slice(1, 3), name).toEqual(['node', 'dist/scripts/healthcheck.js']);
    }
  });
});

interface Container {
  name: string;
  command: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
}
interface Resource {
  kind: string;
  metadata: { name: string };
  spec: {
    template?: {
      spec: {
        containers: Container[];
        volumes?: { name: string; secret?: { secretName: string } }[];
        securityContext?: { fsGroup?: number; runAsUser?: number };
      };
    };
  };
}

const kubectl = process.env.KUBECTL ?? 'kubectl';
const kubectlMissing = toolUnavailable(
  kubectl,
  ['version', '--client'],
  'apt-get install kubernetes-client, or set KUBECTL; .ci/run installs it',
);

describe.skipIf(kubectlMissing)('kubectl kustomize deploy/k8s-grpc-tls', () => {
  const render = (dir: string) => {
    const run = spawnSync(kubectl, ['kustomize', join(ROOT, 'deploy', dir)], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    return parseAllDocuments(run.stdout).map((doc) => doc.toJS() as Resource);
  };
  const workloads = (resources: Resource[]) => resources.filter((r) => r.kind === 'Deployment' || r.kind === 'Job');

  it('mounts each Deployment’s Secret and points GRPC_TLS_* into it; the Job stays as it was', () => {
    const rendered = render('k8s-grpc-tls');
    const base = render('k8s');
    for (const workload of workloads(rendered)) {
      const container = workload.spec.template!.spec.containers[0]!;
      const process = processOf(container.command)!;
      const env = Object.fromEntries((container.env ?? []).map((v) => [v.name, v.value]));
      if (!TLS_PROCESSES.includes(process)) {
        expect(workload, workload.metadata.name).toEqual(base.find((r) => r.metadata.name === workload.metadata.name));
        continue;
      }
      const pod = workload.spec.template!.spec;
      const volume = pod.volumes?.find((v) => v.secret?.secretName === `${workload.metadata.name}-grpc-tls`);
      expect(volume, workload.metadata.name).toBeDefined();
      const mount = container.volumeMounts?.find((m) => m.name === volume!.name);
      expect(mount?.readOnly, workload.metadata.name).toBe(true);
      for (const name of VARIABLES) expect(env[name], name).toMatch(new RegExp(`^${mount!.mountPath}/[^/]+$`));
      // The files are group-readable for the pod's user, nobody else's.
      expect(pod.securityContext?.fsGroup).toBe(1000);
    }
  });

  it('probes the services with the image’s health check on their gRPC port; the gateway over HTTP still', () => {
    for (const workload of render('k8s-grpc-tls').filter((r) => r.kind === 'Deployment')) {
      const container = workload.spec.template!.spec.containers[0]!;
      const process = processOf(container.command)!;
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        if (PROCESSES[process].grpcListen) {
          const port = container.ports!.find((p) => p.name === 'grpc')!.containerPort;
          expect(probe?.grpc, workload.metadata.name).toBeUndefined();
          expect(probe?.exec, workload.metadata.name).toEqual({ command: healthcheckOf(port) });
        } else {
          expect(probe?.httpGet, workload.metadata.name).toBeDefined();
        }
      }
      expect(container.command).toEqual(commandOf(process));
    }
  });
});
