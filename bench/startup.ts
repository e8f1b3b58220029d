// How long `npm start` takes to be ready (GET /readyz = 200) in embedded mode, on a fresh
// DATA_DIR (cluster creation and migrations included) and on restarts of the same one. Prints the
// first start and the median, min and max of the restarts. `npm run bench startup` runs it
// (scenarios/existing.ts).
import { spawn } from 'node:child_process';
import { embeddedLauncherEnv } from '../test/support/processes.js';

const ROOT = new URL('..', import.meta.url).pathname;
const RESTARTS = Number(process.argv[2] ?? 5);

const { env, gatewayPort, dispose } = await embeddedLauncherEnv('bench');

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
  await dispose();
}
