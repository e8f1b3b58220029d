// `npm run bench`: how long `npm start` takes to be ready (GET /readyz = 200) in embedded mode,
// on a fresh DATA_DIR (cluster creation and migrations included) and on restarts of the same
// one. Prints the first start and the median, min and max of the restarts.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib/testing/ports.js';

const ROOT = new URL('..', import.meta.url).pathname;
const RESTARTS = Number(process.argv[2] ?? 5);

const dir = await mkdtemp(join(tmpdir(), 'messenger-bench-'));
await chmod(dir, 0o755);
const gatewayPort = await freePort();
const {
  AUTH_DATABASE_URL: _a,
  CHAT_DATABASE_URL: _c,
  PROFILES_DATABASE_URL: _p,
  JWT_SECRET: _j,
  REDIS_URL: _r,
  ...inherited
} = process.env;
const env = {
  ...inherited,
  DATA_DIR: join(dir, 'data'),
  GATEWAY_PORT: String(gatewayPort),
  AUTH_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
  CHAT_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
  PROFILES_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
  EMBEDDED_PG_PORT: String(await freePort()),
  METRICS_PORT: '0',
  LOG_LEVEL: 'warn',
};

/** Starts the launcher, waits for /readyz, stops it; resolves to the seconds until ready. */
async function timeStart(): Promise<number> {
  const began = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, env, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (;;) {
    if (
      await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (child.exitCode !== null) throw new Error('npm start exited before it was ready');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - began) / 1000;
  child.kill('SIGTERM');
  await exited;
  return seconds;
}

try {
  const first = await timeStart();
  const restarts: number[] = [];
  for (let i = 0; i < RESTARTS; i++) restarts.push(await timeStart());
  restarts.sort((a, b) => a - b);
  const median = restarts[Math.floor(restarts.length / 2)]!;
  const fmt = (s: number) => `${s.toFixed(2)} s`;
  process.stdout.write(
    `startup (embedded mode): first start ${fmt(first)}; restarts (n=${RESTARTS}) median ${fmt(median)}, ` +
      `min ${fmt(restarts[0]!)}, max ${fmt(restarts.at(-1)!)}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
