import { makeGenericClientConstructor, type Client } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import type { GrpcTls } from '../env.js';
import { channelCredentials, type ChannelTlsOptions } from './tls.js';

const HealthClient = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');

type HealthClient = Client & {
  check(
    request: { service: string },
    options: { deadline: number },
    callback: (error: Error | null, response?: { status: string | number }) => void,
  ): void;
};

export interface HealthChecker {
  /** True only when `address` answers SERVING for the whole server within `timeoutMs`. */
  check(address: string, timeoutMs?: number): Promise<boolean>;
  close(): void;
}

/**
 * gRPC health checks (grpc.health.v1), one reused channel per address, with the process's TLS
 * settings (a server with mTLS answers only a client with a certificate; unset: plaintext).
 */
export function createHealthChecker(tls?: GrpcTls, tlsOptions?: ChannelTlsOptions): HealthChecker {
  const creds = channelCredentials(tls, tlsOptions);
  const clients = new Map<string, HealthClient>();
  return {
    check(address, timeoutMs = 1_000) {
      let client = clients.get(address);
      if (!client) {
        client = new HealthClient(address, creds) as unknown as HealthClient;
        clients.set(address, client);
      }
      const using = client;
      return new Promise<boolean>((resolve) => {
        using.check({ service: '' }, { deadline: Date.now() + timeoutMs }, (error, response) => {
          resolve(!error && (response?.status === 'SERVING' || response?.status === 1));
        });
      });
    },
    close() {
      for (const client of clients.values()) client.close();
      clients.clear();
    },
  };
}
