import { describe, expect, it } from 'vitest';
import { as, authClient, expiredAccessToken, newAccount, useAuthService } from '../../test/support/auth.js';
import { createSessionVerifier } from '../session-verifier.js';
import { verifierKeys } from '../jwt.js';
import { createLogger } from '../logger.js';
import { statusOf as outcome } from '../../test/support/wait.js';

const svc = useAuthService('verifier');

describe('session verifier (chat-service and profiles-service side)', () => {
  it('evicts a cached session as soon as WatchRevocations announces it', async () => {
    const client = authClient(svc.app.port);
    // A cache far longer than the 1 s bound: only the revocation feed can make it forget.
    const logger = createLogger('test', 'silent');
    const verifier = createSessionVerifier({
      // The keys as a service without JWT_PUBLIC_KEY_FILE gets them: from auth-service.
      keys: verifierKeys({ publicKeyFile: undefined, refreshMs: 3_600_000 }, client, logger),
      auth: client,
      logger,
      cacheMs: 60_000,
    });
    try {
      const { tokens } = await svc.auth.register(newAccount(), as());
      const md = as(tokens!.accessToken).metadata;
      await expect(verifier.verify(md)).resolves.toMatchObject({ sessionId: tokens!.sessionId });
      const revoked = new Promise<string>((resolve) => verifier.onRevoked(resolve));
      await svc.auth.logout({}, as(tokens!.accessToken));
      expect(await revoked).toBe(tokens!.sessionId);
      await expect(outcome(verifier.verify(md))).resolves.toBe('UNAUTHENTICATED');
    } finally {
      verifier.stop();
      client.close();
    }
  });

  it('refuses a bad token locally and an expired one unless the call allows it', async () => {
    const client = authClient(svc.app.port);
    const logger = createLogger('test', 'silent');
    const keys = verifierKeys({ publicKeyFile: svc.keys.publicKeyFile, refreshMs: 3_600_000 }, client, logger);
    const verifier = createSessionVerifier({ keys, auth: client, logger });
    try {
      const { tokens } = await svc.auth.register(newAccount(), as());
      await expect(outcome(verifier.verify(as('not.a.token').metadata))).resolves.toBe('UNAUTHENTICATED');
      await expect(outcome(verifier.verify(as().metadata))).resolves.toBe('UNAUTHENTICATED');
      // A token of the same session whose exp is a minute past, signed with the service's key.
      const { userId } = await svc.auth.validateSession({ allowExpired: false }, as(tokens!.accessToken));
      const expired = await expiredAccessToken(svc.keys, userId, tokens!.sessionId);
      await expect(outcome(verifier.verify(as(expired).metadata))).resolves.toBe('UNAUTHENTICATED');
      await expect(verifier.verify(as(expired).metadata, { allowExpired: true })).resolves.toMatchObject({
        sessionId: tokens!.sessionId,
      });
    } finally {
      verifier.stop();
      client.close();
    }
  });
});
