import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadEnv } from '../../lib/env.js';
import { privateKeySet } from '../../lib/jwt-keys.js';
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
 * deploy/k8s, checked without a cluster: it renders with `kubectl kustomize`, and each workload
 * is one of the launcher's processes, given only variables it reads (valid once the placeholder
 * secret is replaced), probed on the paths and ports it serves, reachable through its Service,
 * drained before it stops, with resources, a disruption budget and, for the gateway and
 * chat-service, an autoscaler.
 */

const DIR = join(ROOT, 'deploy', 'k8s');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Probe {
  grpc?: { port: number };
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command: string[];
  ports?: { name: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; fsGroup?: number };
    volumes?: { name: string; secret?: { secretName: string; defaultMode?: number } }[];
  };
}
interface Resource {
  kind: string;
  metadata: { name: string };
  spec: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: PodTemplate;
    ports?: { name: string; port: number; targetPort: string | number }[];
    scaleTargetRef?: { kind: string; name: string };
    backoffLimit?: number;
  };
}
interface Kustomization {
  resources: string[];
  configMapGenerator: { name: string; literals: string[] }[];
  secretGenerator: { name: string; literals: string[] }[];
}

const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as Kustomization;
const resources = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => doc.toJS() as Resource),
);
const literals = (list: string[]) =>
  Object.fromEntries(list.map((literal) => literal.split(/=(.*)/s).slice(0, 2) as [string, string]));
/** The generated ConfigMaps and Secrets, by name. */
const generated = {
  ConfigMap: Object.fromEntries(kustomization.configMapGenerator.map((g) => [g.name, literals(g.literals)])),
  Secret: Object.fromEntries(kustomization.secretGenerator.map((g) => [g.name, literals(g.literals)])),
};
const of = (kind: string) => resources.filter((resource) => resource.kind === kind);
const workloads = [...of('Deployment'), ...of('Job')];
const containerOf = (workload: Resource) => workload.spec.template!.spec.containers[0]!;

/** The environment a container gets, with the value of every reference resolved. */
function environmentOf(container: Container, secrets = generated.Secret): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const source = from.configMapRef
      ? generated.ConfigMap[from.configMapRef.name]
      : secrets[from.secretRef?.name ?? ''];
    expect(source, JSON.stringify(from)).toBeDefined();
    Object.assign(environment, source);
  }
  for (const variable of container.env ?? []) {
    const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
    const value = secretKeyRef
      ? secrets[secretKeyRef.name]?.[secretKeyRef.key]
      : configMapKeyRef
        ? generated.ConfigMap[configMapKeyRef.name]?.[configMapKeyRef.key]
        : variable.value;
    expect(value, `${container.name}: ${variable.name}`).toBeDefined();
    environment[variable.name] = value!;
  }
  return environment;
}

const processOfWorkload = (workload: Resource): ProcessName => {
  const process = processOf(containerOf(workload).command);
  expect(process, `${workload.kind} ${workload.metadata.name} runs one of the processes`).toBeDefined();
  return process!;
};
const containerPort = (container: Container, port: string | number) =>
  typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;

describe('deploy/k8s', () => {
  it('runs the launcher’s processes: a Deployment for each service and the gateway, migrations as a Job', () => {
    const deployments = of('Deployment').map((d) => [d.metadata.name, processOfWorkload(d)]);
    expect(Object.fromEntries(deployments)).toEqual({
      auth: 'auth',
      chat: 'chat',
      profiles: 'profiles',
      gateway: 'gateway',
    });
    expect(of('Job').map(processOfWorkload)).toEqual(['migrate']);
    for (const workload of workloads) {
      const container = containerOf(workload);
      expect(container.image, workload.metadata.name).toBe('messenger');
      expect(container.command).toEqual(commandOf(processOf(container.command)!));
    }
  });

  it('sets only variables each process reads, valid ones', () => {
    for (const workload of workloads) {
      const process = processOfWorkload(workload);
      const container = containerOf(workload);
      const environment = environmentOf(container);
      const unknown = Object.keys(environment).filter((key) => !variablesOf(process).has(key));
      expect(unknown, `${workload.metadata.name} sets variables ${process} does not read`).toEqual([]);
      expect(() => loadEnv(PROCESSES[process].schema, environment)).not.toThrow();
    }
  });

  it('mounts the signing keys into auth-service alone, at JWT_PRIVATE_KEY_FILE; the placeholder is refused', async () => {
    const keySecret = 'messenger-signing-keys';
    for (const workload of workloads) {
      const { spec } = workload.spec.template!;
      const secretVolumes = (spec.volumes ?? []).filter((volume) => volume.secret?.secretName === keySecret);
      const container = containerOf(workload);
      if (processOfWorkload(workload) !== 'auth') {
        expect(secretVolumes, workload.metadata.name).toEqual([]);
        expect(environmentOf(container).JWT_PRIVATE_KEY_FILE, workload.metadata.name).toBeUndefined();
        continue;
      }
      expect(secretVolumes).toHaveLength(1);
      const mount = container.volumeMounts?.find((m) => m.name === secretVolumes[0]!.name);
      expect(mount?.readOnly).toBe(true);
      const [file] = Object.keys(generated.Secret[keySecret]!);
      expect(environmentOf(container).JWT_PRIVATE_KEY_FILE).toBe(`${mount!.mountPath}/${file}`);
      // Readable by the process: through its group (fsGroup), by nobody else.
      expect(spec.securityContext?.fsGroup).toBe(spec.securityContext?.runAsUser);
      expect(secretVolumes[0]!.secret!.defaultMode).toBe(0o440);
      // The placeholder must be replaced: auth-service refuses it, naming no key inside.
      await expect(privateKeySet(generated.Secret[keySecret]![file!]!)).rejects.toThrow(/no PEM "PRIVATE KEY"/);
    }
  });

  it('probes the health paths and ports each process serves', () => {
    for (const deployment of of('Deployment')) {
      const process = processOfWorkload(deployment);
      const container = containerOf(deployment);
      const environment = environmentOf(container);
      const listen = PROCESSES[process].grpcListen;
      const { readinessProbe: readiness, livenessProbe: liveness } = container;
      if (listen) {
        // gRPC health (grpc.health.v1) on the port the service listens on, on every interface.
        const port = portOf(environment[listen]!);
        expect(hostOf(environment[listen]!)).toBe('0.0.0.0');
        expect(readiness?.grpc?.port, deployment.metadata.name).toBe(port);
        expect(liveness?.grpc?.port, deployment.metadata.name).toBe(port);
        expect(containerPort(container, 'grpc')).toBe(port);
      } else {
        // The gateway's own paths (gateway/src/http/server.ts), on GATEWAY_PORT.
        expect(readiness?.httpGet?.path).toBe('/readyz');
        expect(liveness?.httpGet?.path).toBe('/healthz');
        for (const probe of [readiness!, liveness!]) {
          expect(containerPort(container, probe.httpGet!.port)).toBe(Number(environment.GATEWAY_PORT));
        }
        expect(environment.GATEWAY_HOST).toBe('0.0.0.0');
      }
      // Prometheus finds /metrics where the process serves it.
      const metrics = Number(environment.METRICS_PORT);
      expect(containerPort(container, 'metrics')).toBe(metrics);
      expect(deployment.spec.template!.metadata.annotations?.['prometheus.io/port']).toBe(String(metrics));
      expect(environment.METRICS_HOST).toBe('0.0.0.0');
    }
  });

  it('has a Service for each Deployment, on the port the others dial', () => {
    for (const deployment of of('Deployment')) {
      const labels = deployment.spec.template!.metadata.labels;
      const service = of('Service').find((s) => s.metadata.name === deployment.metadata.name);
      expect(service, deployment.metadata.name).toBeDefined();
      for (const [key, value] of Object.entries(service!.spec.selector!)) expect(labels[key]).toBe(value);
      for (const port of service!.spec.ports!) {
        expect(containerPort(containerOf(deployment), port.targetPort), `${service!.metadata.name}:${port.name}`).toBe(
          port.port,
        );
      }
    }
    for (const workload of workloads) {
      const environment = environmentOf(containerOf(workload));
      for (const [variable, target] of Object.entries(DIAL_VARIABLES)) {
        if (!environment[variable]) continue;
        for (const address of environment[variable].split(',')) {
          const service = of('Service').find((s) => s.metadata.name === hostOf(address));
          expect(service, `${workload.metadata.name}'s ${variable}: ${address}`).toBeDefined();
          const deployment = of('Deployment').find((d) => d.metadata.name === service!.metadata.name)!;
          expect(processOfWorkload(deployment)).toBe(target);
          expect(service!.spec.ports!.map((p) => p.port)).toContain(portOf(address));
        }
      }
    }
  });

  it('drains before stopping, with resources, as a non-root user', () => {
    for (const workload of workloads) {
      const container = containerOf(workload);
      const name = workload.metadata.name;
      if (workload.kind === 'Deployment') expect(container.lifecycle?.preStop?.exec?.command, name).toBeDefined();
      expect(container.resources?.requests?.cpu, name).toBeDefined();
      expect(container.resources?.requests?.memory, name).toBeDefined();
      expect(container.resources?.limits?.memory, name).toBeDefined();
      expect(workload.spec.template!.spec.securityContext?.runAsNonRoot, name).toBe(true);
      expect(workload.spec.template!.spec.securityContext?.runAsUser, name).not.toBe(0);
      expect(container.securityContext?.allowPrivilegeEscalation, name).toBe(false);
    }
  });

  it('budgets disruptions of every Deployment and scales the gateway and chat-service', () => {
    const budgeted = of('PodDisruptionBudget').map((pdb) =>
      of('Deployment').find((d) =>
        Object.entries(pdb.spec.selector!.matchLabels!).every(
          ([key, value]) => d.spec.template!.metadata.labels[key] === value,
        ),
      ),
    );
    expect(budgeted.map((d) => d?.metadata.name).sort()).toEqual(['auth', 'chat', 'gateway', 'profiles']);
    const scaled = of('HorizontalPodAutoscaler').map((hpa) => hpa.spec.scaleTargetRef!);
    expect(scaled.every((target) => target.kind === 'Deployment')).toBe(true);
    expect(
      scaled.map((target) => processOfWorkload(of('Deployment').find((d) => d.metadata.name === target.name)!)),
    ).toEqual(['gateway', 'chat']);
  });
});

const kubectl = process.env.KUBECTL ?? 'kubectl';
const kubectlMissing = toolUnavailable(
  kubectl,
  ['version', '--client'],
  'apt-get install kubernetes-client, or set KUBECTL; .ci/run installs it',
);

describe.skipIf(kubectlMissing)('kubectl kustomize deploy/k8s', () => {
  it('renders every resource, the generated ConfigMaps and Secret referenced under their hashed names', () => {
    const run = spawnSync(kubectl, ['kustomize', DIR], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const rendered = parseAllDocuments(run.stdout).map((doc) => doc.toJS() as Resource);
    const names = (list: Resource[]) => list.map((r) => `${r.kind}/${r.metadata.name}`).sort();
    const generatedNames = [
      ...Object.keys(generated.ConfigMap).map((name) => `ConfigMap/${name}`),
      ...Object.keys(generated.Secret).map((name) => `Secret/${name}`),
    ];
    // Generated names carry a hash of their content, so that a change rolls the pods.
    const withoutHash = (name: string) => name.replace(/-[a-z0-9]{10}$/, '');
    expect(rendered.map((r) => `${r.kind}/${withoutHash(r.metadata.name)}`).sort()).toEqual(
      [...names(resources), ...generatedNames].sort(),
    );
    const existing = new Set(rendered.map((r) => `${r.kind}/${r.metadata.name}`));
    for (const workload of rendered.filter((r) => r.kind === 'Deployment' || r.kind === 'Job')) {
      const container = containerOf(workload);
      for (const from of container.envFrom ?? []) expect(existing).toContain(`ConfigMap/${from.configMapRef?.name}`);
      for (const variable of container.env ?? []) {
        const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
        if (secretKeyRef) expect(existing).toContain(`Secret/${secretKeyRef.name}`);
        if (configMapKeyRef) expect(existing).toContain(`ConfigMap/${configMapKeyRef.name}`);
      }
    }
  });
});
