import { BurstyRateLimiter } from 'rate-limiter-flexible';
import type { GraphQLSchema } from 'graphql';
import { bearerToken } from '../../../lib/grpc/metadata.js';
import type { AccessTokenKeys } from '../../../lib/jwt.js';
import type { Logger } from '../../../lib/logger.js';
import type { Redis } from '../../../lib/redis.js';
import type { GatewayContext } from '../context.js';
import { addressKey } from './client-address.js';
import { guardFields, type FieldGuard } from './guard.js';
import { loginGuard, type LoginRates } from './login.js';
import { describeRate, type Rate } from './rate.js';
import { refreshGuard } from './refresh.js';
import { refusalOf, retryAfterSeconds, take, type Limit } from './refusal.js';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { memoryStore, redisStore, type LimiterStore } from './store.js';

/** The rate limits of the gateway's config (`RATE_LIMITS`, `RATE_LIMIT_*`). */
export interface RateLimitsConfig {
  /** `RATE_LIMITS=off` turns them all off (load tests). */
  enabled: boolean;
  login: LoginRates;
  /** `register` per address. */
  register: Rate;
  /** `refreshToken` per session. */
  refresh: Rate;
  /** `sendMessage` per user: the steady rate, and what a burst may add on top of it. */
  send: Rate;
  sendBurst: Rate;
  /** Every other mutation per user (one count for all of them). */
  writes: Rate;
  /** `searchUsers` per user. */
  search: Rate;
  /** `markRead` and `setTyping` per user: sent by clients as their user reads and types. */
  signals: Rate;
  /** New WebSockets per address. */
  webSockets: Rate;
}

export interface RateLimits {
  /** The schema with its limited fields guarded (unchanged when rate limits are off). */
  limitSchema(schema: GraphQLSchema): GraphQLSchema;
  /** A new WebSocket from `address`: undefined to admit it, else the seconds to wait. */
  admitWebSocket(address: string): Promise<number | undefined>;
  enabled: boolean;
}

export interface RateLimitsOptions {
  config: RateLimitsConfig;
  /**
   * Counters in Redis, shared by every gateway instance, on a connection the caller opened (and
   * closes); none: in this process.
   */
  redis?: { connection: Redis; prefix: string } | undefined;
  /**
   * The access tokens' keys, to know a caller's user from their token here, with no call; none:
   * from auth-service's ValidateSession (one call per operation, which resolvers share).
   */
  keys?: AccessTokenKeys | undefined;
  logger: Logger;
  /** Called with the limiter's name for each refusal (`messenger_rate_limit_refusals_total`). */
  onRefused?: (limit: string) => void;
}

const off: RateLimits = {
  enabled: false,
  limitSchema: (schema) => schema,
  admitWebSocket: async () => undefined,
};

/**
 * Who a per-user limit counts: the user of a verified access token (signature and expiry
 * checked, never an unverified claim), else — no token, or one that fails — the client's address.
 */
function callerKeyWith(keys: AccessTokenKeys | undefined) {
  return async (ctx: GatewayContext): Promise<string> => {
    const token = bearerToken(ctx.call.metadata);
    let userId: string | undefined;
    if (token !== undefined) {
      userId = keys
        ? await keys.verify(token).then(
            (claims) => claims?.userId,
            () => undefined, // keys not loaded yet: counted by address, as an unverified caller
          )
        : await ctx.viewer().then(
            (viewer) => viewer.userId,
            () => undefined,
          );
    }
    return userId ? `user:${userId}` : `address:${addressKey(ctx.clientAddress ?? 'unknown')}`;
  };
}

/**
 * The gateway's rate limits (see RateLimitsConfig for what each counts), built on
 * rate-limiter-flexible: fixed windows, in Redis when `redis` is given, else in this process.
 */
export function createRateLimits({ config, redis, keys, logger, onRefused = () => {} }: RateLimitsOptions): RateLimits {
  if (!config.enabled) return off;
  const store: LimiterStore = redis ? redisStore(redis.connection, redis.prefix) : memoryStore();
  const callerKey = callerKeyWith(keys);

  /** `consume`, with each refusal counted under `name`. */
  const counting =
    (name: string, consume: (key: string) => Promise<RateLimiterRes>) =>
    (key: string): Promise<RateLimiterRes> =>
      consume(key).catch((reason: unknown) => {
        if (refusalOf(reason)) onRefused(name);
        throw reason;
      });
  const limit = (name: string, rate: Rate, label: string): Limit => {
    const limiter = store.limiter(name, rate);
    return { label, consume: counting(name, (key) => limiter.consume(key)) };
  };
  const perCaller =
    (counted: Limit): FieldGuard =>
    async (ctx, _args, run) => {
      await take(counted, await callerKey(ctx));
      return run();
    };
  const perAddress =
    (counted: Limit): FieldGuard =>
    async (ctx, _args, run) => {
      await take(counted, addressKey(ctx.clientAddress ?? 'unknown'));
      return run();
    };

  const sending = new BurstyRateLimiter(
    store.limiter('send', config.send),
    store.limiter('send-burst', config.sendBurst),
  );
  const perUser = (field: string, rate: Rate) => `${field}: ${describeRate(rate)} per user`;
  const guards: Record<string, FieldGuard> = {
    'Mutation.login': loginGuard(store, config.login, logger, onRefused),
    'Mutation.register': perAddress(
      limit('register', config.register, `register: ${describeRate(config.register)} per address`),
    ),
    'Mutation.refreshToken': refreshGuard(store, config.refresh, logger, onRefused),
    'Mutation.sendMessage': perCaller({
      label: `${perUser('sendMessage', config.send)}, and bursts of ${describeRate(config.sendBurst)} more`,
      consume: counting('send', (key) => sending.consume(key)),
    }),
    'Query.searchUsers': perCaller(limit('search', config.search, perUser('searchUsers', config.search))),
  };
  const signals = limit('signals', config.signals, perUser('markRead and setTyping', config.signals));
  guards['Mutation.markRead'] = guards['Mutation.setTyping'] = perCaller(signals);
  const writes = limit('writes', config.writes, perUser('writes (mutations)', config.writes));
  const otherWrite = perCaller(writes);
  const webSockets = store.limiter('websockets', config.webSockets);

  return {
    enabled: true,
    limitSchema: (schema) =>
      guardFields(
        schema,
        (coordinate) => guards[coordinate] ?? (coordinate.startsWith('Mutation.') ? otherWrite : undefined),
      ),
    async admitWebSocket(address) {
      try {
        await webSockets.consume(addressKey(address));
        return undefined;
      } catch (reason) {
        const refused = refusalOf(reason);
        if (!refused) throw reason;
        onRefused('websockets');
        return retryAfterSeconds(refused.msBeforeNext);
      }
    },
  };
}
