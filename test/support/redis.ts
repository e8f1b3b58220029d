import { randomBytes } from 'node:crypto';

/**
 * Redis for tests that need it: REDIS_URL when set (CI sets it), else undefined so that the
 * test skips, saying why. Every caller gets its own key and channel prefix.
 */
export function testRedis(label: string): { url: string; prefix: string } | undefined {
  const url = process.env.REDIS_URL;
  if (!url) {
    process.stdout.write(`[skip] ${label}: REDIS_URL is not set, so the Redis tests do not run here\n`);
    return undefined;
  }
  return { url, prefix: `test:${label}:${randomBytes(4).toString('hex')}:` };
}
