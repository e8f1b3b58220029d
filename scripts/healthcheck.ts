// A container's health check, for engines that cannot probe by themselves (compose; Kubernetes
// probes natively): exits 0 when the process answers, 1 otherwise.
//   node dist/scripts/healthcheck.js http://127.0.0.1:8080/readyz   an HTTP 2xx within the timeout
//   node dist/scripts/healthcheck.js grpc://127.0.0.1:7051          grpc.health.v1 SERVING
// A gRPC check speaks the process's own TLS (GRPC_TLS_*, the same variables and files as the
// process it probes): with mTLS it presents the process's certificate.
import { loadGrpcTls } from '../lib/env.js';
import { createHealthChecker } from '../lib/grpc/health.js';

const TIMEOUT_MS = 2_000;

async function healthy(target: string): Promise<boolean> {
  if (target.startsWith('grpc://')) {
    const tls = loadGrpcTls({ serves: false });
    // The certificate names the service, not 127.0.0.1: only the CA is checked here.
    const checker = createHealthChecker(tls, { verifyHostname: false });
    try {
      return await checker.check(target.slice('grpc://'.length), TIMEOUT_MS);
    } finally {
      checker.close();
    }
  }
  if (/^https?:\/\//.test(target)) {
    return fetch(target, { signal: AbortSignal.timeout(TIMEOUT_MS) }).then(
      (res) => res.ok,
      () => false,
    );
  }
  throw new Error(`expected http://host:port/path or grpc://host:port, got "${target}"`);
}

const target = process.argv[2] ?? '';
healthy(target).then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
