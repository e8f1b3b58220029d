import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { GrpcTls } from '../env.js';

/**
 * A gRPC server's credentials: plaintext without TLS settings; TLS with the process's certificate;
 * with a CA as well, every client must present a certificate that CA signed (mTLS), or its
 * handshake fails before any call, health checks and reflection included.
 */
export function serverCredentials(tls: GrpcTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  if (!tls.cert || !tls.key) throw new Error('a gRPC server needs a certificate and key for TLS');
  return ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], Boolean(tls.ca));
}

export interface ChannelTlsOptions {
  /**
   * Whether the server's certificate must name the host dialled (the default). Only a probe of
   * the process's own port on loopback (scripts/healthcheck.ts) turns it off: the certificate names
   * the service, not 127.0.0.1; it is still checked against the CA.
   */
  verifyHostname?: boolean;
}

/**
 * A client's credentials: plaintext without TLS settings; otherwise TLS, the server verified with
 * the CA (Node's public roots when none is set), the process's certificate presented when it has
 * one (what a server with a CA requires).
 */
export function channelCredentials(
  tls: GrpcTls | undefined,
  { verifyHostname = true }: ChannelTlsOptions = {},
): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(
    tls.ca ?? null,
    tls.key ?? null,
    tls.cert ?? null,
    verifyHostname ? {} : { checkServerIdentity: () => undefined },
  );
}
