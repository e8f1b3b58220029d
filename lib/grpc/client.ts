import {
  status,
  type CallOptions as GrpcCallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientReadableStream,
  type ClientUnaryCall,
  type Metadata,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import type { GrpcTls } from '../env.js';
import { isServiceError } from '../errors.js';
import { channelCredentials } from './tls.js';

export interface CallOptions {
  metadata: Metadata;
  /** Deadline for this call; defaults to the client's `deadlineMs`. */
  timeoutMs?: number;
}

type UnaryCallback<Res> = (error: ServiceError | null, response: Res) => void;
type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<GrpcCallOptions>,
  callback: UnaryCallback<Res>,
) => ClientUnaryCall;

/** The unary methods of a ts-proto grpc-js client, as functions returning promises. */
export type PromiseClient<C> = {
  [
    K in keyof C as C[K] extends (...args: never[]) => ClientReadableStream<unknown>
      ? never
      : C[K] extends UnaryMethod<infer _Req, infer _Res>
        ? K
        : never
  ]: C[K] extends UnaryMethod<infer Req, infer Res> ? (request: Req, options: CallOptions) => Promise<Res> : never;
};

export interface ServiceClient<C extends Client> {
  /** Unary calls, balanced round-robin over the addresses, failing over on UNAVAILABLE. */
  unary: PromiseClient<C>;
  /** The next client in round-robin order, for streaming calls (their callers reconnect). */
  pick(): C;
  /** One client per address, in the order given. */
  readonly all: readonly C[];
  close(): void;
}

export interface ServiceClientOptions {
  /** Default deadline of a unary call in ms. */
  deadlineMs: number;
  /**
   * Connections of its own instead of those every other client of the address shares. HTTP/2
   * flow control is per connection too: a stream its reader pauses holds up every other call on
   * the same connection once the connection's window is full.
   */
  ownConnections?: boolean;
  /** TLS, with this process's certificate presented when it has one (mTLS); unset: plaintext. */
  tls?: GrpcTls | undefined;
}

type ClientConstructor<C> = {
  new (address: string, creds: ChannelCredentials, options?: ChannelOptions): C;
  service: ServiceDefinition;
};

const RETRY_PAUSE_MS = 50;
const RETRY_PAUSE_MAX_MS = 400;
/**
 * How long a call keeps going round addresses that answer UNAVAILABLE: long enough to ride out
 * a reconnect (backoff is capped at 1 s below), short enough that a service that is really down
 * fails fast (a query asking for profiles while profiles-service is down still answers quickly).
 */
const RETRY_WINDOW_MS = 1_500;

const CHANNEL_OPTIONS: ChannelOptions = {
  // grpc-js waits up to 120 s between reconnects by default; a service that restarts must be
  // reachable again within the retry window of the calls waiting for it.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
};

/**
 * One grpc-js client per address of a service. Calls go round-robin; a call answered UNAVAILABLE
 * (the instance is down, restarting or draining, so the request was not processed) moves on to
 * the next address, and round again after a short pause, for up to RETRY_WINDOW_MS.
 */
export function createServiceClient<C extends Client>(
  Ctor: ClientConstructor<C>,
  addresses: readonly string[],
  { deadlineMs, ownConnections = false, tls }: ServiceClientOptions,
): ServiceClient<C> {
  if (addresses.length === 0) throw new Error('a service client needs at least one address');
  const options = ownConnections ? { ...CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 } : CHANNEL_OPTIONS;
  const creds = channelCredentials(tls);
  const clients = addresses.map((address) => new Ctor(address, creds, options));
  let next = 0;
  const pick = () => {
    const client = clients[next % clients.length] as C;
    next = (next + 1) % clients.length;
    return client;
  };

  async function callUnary(name: string, request: unknown, options: CallOptions): Promise<unknown> {
    const began = Date.now();
    const deadline = began + (options.timeoutMs ?? deadlineMs);
    const retryUntil = Math.min(deadline, began + RETRY_WINDOW_MS);
    const start = next;
    next = (next + 1) % clients.length;
    for (let attempt = 0; ; attempt++) {
      const client = clients[(start + attempt) % clients.length] as unknown as Record<
        string,
        UnaryMethod<unknown, unknown>
      >;
      try {
        return await new Promise((resolve, reject) => {
          client[name]!.call(client, request, options.metadata, { deadline }, (error, response) =>
            error ? reject(error) : resolve(response),
          );
        });
      } catch (error) {
        if (!isServiceError(error) || error.code !== status.UNAVAILABLE) throw error;
        // Every address refused once: wait a little before going round again, within the deadline
        // (an instance restarting comes back; a channel in reconnect backoff fails at once).
        if ((attempt + 1) % clients.length === 0) {
          const pause = Math.min(RETRY_PAUSE_MS * 2 ** Math.floor(attempt / clients.length), RETRY_PAUSE_MAX_MS);
          if (Date.now() + pause >= retryUntil) throw error;
          await new Promise((resolve) => setTimeout(resolve, pause));
        }
      }
    }
  }

  const unary: Record<string, (request: unknown, options: CallOptions) => Promise<unknown>> = {};
  for (const [name, method] of Object.entries(Ctor.service)) {
    if (!method.requestStream && !method.responseStream) {
      unary[name] = (request, options) => callUnary(name, request, options);
    }
  }
  return {
    unary: unary as PromiseClient<C>,
    pick,
    all: clients,
    close: () => clients.forEach((client) => client.close()),
  };
}
