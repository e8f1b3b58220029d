// autocannon as its own process (its CLI), so that the load generator never shares a process, or
// an event loop, with a server under test. Every answer must equal `expectBody` byte for byte
// (fetched and checked before), so an error or a partial answer counts as a mismatch.
import { exited, spawnTracked } from './children.js';

export interface LoadResult {
  requests: number;
  rps: number;
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
}

interface AutocannonJson {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  duration: number;
}

export async function autocannon(args: {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  expectBody: string;
}): Promise<LoadResult> {
  const argv = [
    '-c',
    String(args.connections),
    '-d',
    String(args.seconds),
    '-m',
    'POST',
    '-b',
    args.body,
    '--expectBody',
    args.expectBody,
    '-j',
    ...Object.entries(args.headers).flatMap(([key, value]) => ['-H', `${key}=${value}`]),
    args.url,
  ];
  const child = spawnTracked('node_modules/.bin/autocannon', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await exited(child);
  const line = stdout.trim().split('\n').at(-1);
  if (child.exitCode !== 0 || !line) throw new Error(`autocannon failed (${child.exitCode}): ${stderr.slice(-500)}`);
  const result = JSON.parse(line) as AutocannonJson;
  return {
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    latency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
  };
}
