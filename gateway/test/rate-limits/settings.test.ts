import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { leftover } from '../../../test/support/leftovers.js';
import { freePort } from '../../../test/support/ports.js';
import { testRedis } from '../../../test/support/redis.js';
import { startRedisServer, type RedisServer } from '../../../test/support/redis-server.js';
import { useRateLimits, login, register, codeOf, expectRefused, upgrade } from './helpers.js';

// The limits switched off, and counted in Redis, shared between gateways. See helpers.ts for
// the gateways each file starts.

const stack = useRateLimits('gw_rate_settings');

const redis = testRedis('gw-rate-limits');

describe('RATE_LIMITS=off', () => {
  it('lifts every rate limit', async () => {
    const off = await stack.gateway({ RATE_LIMITS: 'off' });
    const user = await stack.account('off');
    for (let i = 0; i < 11; i++) expect(codeOf((await register(off)).res)).toBe('OK');
    for (let i = 0; i < 6; i++) expect(codeOf(await login(off, user.email, 'wrong'))).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 31; i++) expect(await upgrade(off)).toBe('open');
  });
});

describe.skipIf(!redis)('with Redis', () => {
  it('shares the counts between gateway instances', async () => {
    const env = { REDIS_URL: redis!.url, REDIS_PREFIX: redis!.prefix };
    const [first, second] = [await stack.gateway(env), await stack.gateway(env)];
    const victim = await stack.account('shared');
    for (const on of [first, second, first, second, first]) {
      expect(codeOf(await login(on, victim.email, 'wrong'))).toBe('UNAUTHENTICATED');
    }
    expectRefused(await login(second, victim.email, victim.password), /per account and address/);
    expectRefused(await login(first, victim.email, victim.password), /per account and address/);
    // The counters are Redis keys under the prefix.
    const client = new Redis(redis!.url);
    leftover(() => client.quit());
    expect((await client.keys(`${redis!.prefix}rate:login-account-address*`)).length).toBeGreaterThan(0);
  });

  it('keeps limiting in memory while Redis is down', async () => {
    const server: RedisServer | undefined = await startRedisServer(await freePort(), 'gw-rate-limits-down');
    if (!server) return;
    leftover(() => server.stop());
    const on = await stack.gateway({ REDIS_URL: server.url });
    const victim = await stack.account('insured');
    expect(codeOf(await login(on, victim.email, 'wrong'))).toBe('UNAUTHENTICATED');
    await server.kill();
    for (let i = 0; i < 5; i++) expect(codeOf(await login(on, victim.email, 'wrong'))).toBe('UNAUTHENTICATED');
    expectRefused(await login(on, victim.email, victim.password), /per account and address/);
    // Other callers are still served meanwhile.
    const other = await stack.account('insured2');
    expect(codeOf(await login(on, other.email, other.password))).toBe('OK');
  });
});
