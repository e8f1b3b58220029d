import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports are chosen below the kernel's ephemeral range. A port from `listen(0)` is free only until
 * the next outgoing connection or `listen(0)` of any process takes it, and the servers a test
 * starts bind seconds later (a child process has to boot first): in CI another test file's
 * connection once took such a port in between (EADDRINUSE). Nothing picks ports below the
 * ephemeral range on its own, so a port found free there stays free.
 */
function ephemeralStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 12_000) return low;
  } catch {
    // not Linux: the IANA dynamic range starts at 49152
  }
  return 49_152;
}

const HIGHEST = ephemeralStart() - 1;
const LOWEST = Math.max(10_000, HIGHEST - 12_000);
/** Handed out by this process already: two servers of one test must not get the same port. */
const given = new Set<number>();

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A TCP port free on 127.0.0.1 (for servers that must be told their port before they start). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (given.has(port) || !(await canListen(port))) continue;
    given.add(port);
    return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${HIGHEST}`);
}
