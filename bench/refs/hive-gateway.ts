// The Hive Gateway reference for the read path: GraphQL Mesh's gRPC source composed from
// proto/chat/v1/chat.proto (bench/refs/hive/mesh.config.ts) and served by `hive-gateway`, both
// as their CLIs run them, in their own processes, against the chat-service under test.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/ports.js';
import { exited, spawnTracked, stopChild } from '../lib/children.js';

export interface HiveGateway {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function run(child: ChildProcess, what: string): Promise<void> {
  await exited(child);
  if (child.exitCode !== 0) throw new Error(`${what} failed (exit ${child.exitCode})`);
}

export async function startHiveGateway(chatGrpcAddr: string): Promise<HiveGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'messenger-bench-hive-'));
  const supergraph = join(dir, 'supergraph.graphql');
  const env = { ...process.env, HIVE_CHAT_GRPC_ADDR: chatGrpcAddr };
  await run(
    spawnTracked('node_modules/.bin/mesh-compose', ['-c', 'bench/refs/hive/mesh.config.ts', '-o', supergraph], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
    'mesh-compose',
  );
  const port = await freePort();
  const gateway = spawnTracked(
    'node_modules/.bin/hive-gateway',
    ['supergraph', supergraph, '--host', '127.0.0.1', '--port', String(port), '--fork', '1'],
    // One process, as our gateway is one; the environment is the launcher's (NODE_ENV unset).
    { env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  const stop = async () => {
    await stopChild(gateway);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
      signal: AbortSignal.timeout(2_000),
    }).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    if (gateway.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error('hive-gateway did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, pid: gateway.pid!, stop };
}
