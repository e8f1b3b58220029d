import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { as, newAccount } from '../../../test/support/auth.js';
import { useChatService } from '../../../test/support/chat.js';
import { until } from '../../../test/support/wait.js';
import { retireKeys, rotateKeys } from '../../../scripts/token-keys.js';
import { openDeliver } from './deliver-helpers.js';
import { openStream } from './stream-helpers.js';

// Subscriptions live as long as their session, not their access token; but a token signed by a
// key that is then retired no longer proves anything. chat-service ends every subscriber (on
// Subscribe and on Deliver) whose token rests on a retired key with UNAUTHENTICATED, so that its
// client refreshes and resumes; those on the new key live on. Keys reload every 200 ms here.

const svc = useChatService('key_retirement', {
  env: { JWT_KEYS_REFRESH: '200ms' },
  authEnv: { JWT_KEYS_REFRESH: '200ms' },
});

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('a retired signing key', () => {
  it('ends the subscribers resting on its tokens, and only those', async () => {
    const account = newAccount('retire');
    const registered = await svc.authService.auth.register(account, as());
    const old = { id: registered.user!.id, token: registered.tokens!.accessToken };
    const oldStream = openStream(svc.client, as(old.token));
    await oldStream.snapshot();
    const call = openDeliver(svc.client);
    const oldSubscriber = call.add(old);
    await oldSubscriber.snapshot();

    await rotateKeys(svc.authService.keys);
    let fresh = old;
    await until(async () => {
      const { tokens } = await svc.authService.auth.login(account, as());
      fresh = { id: old.id, token: tokens!.accessToken };
      return kidOf(fresh.token) !== kidOf(old.token);
    }, 'auth-service to sign with the new key');
    const freshStream = openStream(svc.client, as(fresh.token));
    await freshStream.snapshot();
    const freshSubscriber = call.add(fresh);
    await freshSubscriber.snapshot();
    // Rotated, not retired: the old key's subscribers live on, and get what happens.
    const rotated = (await svc.chat.createGroupChat({ title: 'rotated', memberIds: [] }, as(fresh.token))).chat!;
    await oldStream.until((event) => event.chatId === rotated.id);
    await oldSubscriber.until((event) => event.chatId === rotated.id);
    expect(oldSubscriber.endings).toEqual([]);

    await retireKeys(svc.authService.keys);
    const streamEnd = await oldStream.ended();
    expect(streamEnd.code).toBe('UNAUTHENTICATED');
    expect(streamEnd.details).toMatch(/retired key/);
    const subscriberEnd = await oldSubscriber.ended();
    expect(subscriberEnd.code).toBe('UNAUTHENTICATED');
    expect(subscriberEnd.message).toMatch(/retired key/);
    // The new key's subscribers are untouched, and the old token opens nothing any more.
    const retired = (await svc.chat.createGroupChat({ title: 'retired', memberIds: [] }, as(fresh.token))).chat!;
    await freshStream.until((event) => event.chatId === retired.id);
    await freshSubscriber.until((event) => event.chatId === retired.id);
    expect(freshSubscriber.endings).toEqual([]);
    const refused = openStream(svc.client, as(old.token));
    expect(await refused.ended()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const again = openStream(svc.client, as(fresh.token));
    await again.snapshot();
  });
});
