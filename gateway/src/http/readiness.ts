import type { GrpcTls } from '../../../lib/env.js';
import { createHealthChecker } from '../../../lib/grpc/health.js';

/** `/readyz`: whether each upstream service has an instance answering. */
export interface Readiness {
  /** Per service: whether at least one of its instances answers SERVING (gRPC health). */
  check(): Promise<Record<string, boolean>>;
  close(): void;
}

export function createReadiness(upstreams: Record<string, readonly string[]>, tls: GrpcTls | undefined): Readiness {
  const health = createHealthChecker(tls);
  return {
    async check() {
      const entries = await Promise.all(
        Object.entries(upstreams).map(async ([service, addresses]) => {
          const answers = await Promise.all(addresses.map((address) => health.check(address)));
          return [service, answers.some(Boolean)] as const;
        }),
      );
      return Object.fromEntries(entries);
    },
    close: () => health.close(),
  };
}
