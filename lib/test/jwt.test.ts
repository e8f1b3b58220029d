import { describe, expect, it } from 'vitest';
import { accessTokenKeys } from '../jwt.js';
import { testSecret } from '../testing/auth.js';
import { until } from '../testing/wait.js';

// A verified token is remembered by its exact text; only its expiry is checked again. Nothing
// else may come out of that memory: another token, however close, is verified from scratch.

describe('access token verification', () => {
  it('remembers a verified token, and still refuses it once it has expired', { timeout: 10_000 }, async () => {
    const keys = accessTokenKeys(testSecret());
    const subject = {
      userId: 'a0000000-0000-4000-8000-000000000001',
      sessionId: 'b0000000-0000-4000-8000-000000000001',
    };
    // exp is in whole seconds: 2 s from now is 1 to 2 s of validity.
    const { token, expiresAt } = await keys.sign(subject, 2_000);
    expect(await keys.verify(token)).toMatchObject(subject);
    expect(await keys.verify(token)).toMatchObject(subject);
    await until(() => Date.now() > expiresAt.getTime(), 'the token to expire', 5_000);
    expect(await keys.verify(token)).toBeUndefined();
    expect(await keys.verify(token, { allowExpired: true })).toMatchObject(subject);
  });

  it('verifies every other token afresh: a changed signature or payload, another key', async () => {
    const keys = accessTokenKeys(testSecret());
    const subject = {
      userId: 'a0000000-0000-4000-8000-000000000002',
      sessionId: 'b0000000-0000-4000-8000-000000000002',
    };
    const { token } = await keys.sign(subject, 60_000);
    expect(await keys.verify(token)).toMatchObject(subject);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    expect(await keys.verify(`${header}.${payload}.${flipped}`)).toBeUndefined();
    const other = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone' }),
    );
    expect(await keys.verify(`${header}.${other.toString('base64url')}.${signature}`)).toBeUndefined();
    // The same token under another secret: each key set remembers only what it verified itself.
    expect(await accessTokenKeys(testSecret()).verify(token)).toBeUndefined();
  });
});
