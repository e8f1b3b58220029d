import { describe, expect, it } from 'vitest';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import { useChatService } from '../../../test/support/chat.js';
import { statusOf as outcome } from '../../../test/support/wait.js';
import { expiredAccessToken } from '../../../test/support/auth.js';

// A live subscription's events are resolved with reads marked `x-subscription`: those reads,
// and only those, accept a correctly signed token past its exp while the session is active.

const svc = useChatService('chat_expired_reads');

const expiredToken = (userId: string, sessionId: string) => expiredAccessToken(svc.authService.keys, userId, sessionId);

describe('reads for a subscription past the token’s exp', () => {
  it('are allowed for read-only look-ups while the session is active, never for writes', async () => {
    const a = await svc.user('xa');
    const b = await svc.user('xb');
    const chatId = (await svc.chat.getOrCreateDirectChat({ userId: b.id }, a.md)).chat!.id;
    const token = await expiredToken(a.id, a.sessionId);
    const marked = { metadata: callMetadata({ authorization: `Bearer ${token}`, subscription: true }) };
    const plain = { metadata: callMetadata({ authorization: `Bearer ${token}` }) };

    expect(await outcome(svc.chat.getChats({ ids: [chatId] }, marked))).toBe('OK');
    expect(await outcome(svc.chat.listMembers({ chatId, first: 10 }, marked))).toBe('OK');
    expect(await outcome(svc.chat.listMessages({ chatId }, marked))).toBe('OK');
    expect(await outcome(svc.authService.auth.getUsers({ ids: [b.id] }, marked))).toBe('OK');

    expect(await outcome(svc.chat.getChats({ ids: [chatId] }, plain))).toBe('UNAUTHENTICATED');
    expect(await outcome(svc.authService.auth.getUsers({ ids: [b.id] }, plain))).toBe('UNAUTHENTICATED');
    expect(await outcome(svc.chat.sendMessage({ chatId, body: 'no', clientMessageId: 'x1' }, marked))).toBe(
      'UNAUTHENTICATED',
    );
    expect(await outcome(svc.chat.markRead({ chatId, seq: 1 }, marked))).toBe('UNAUTHENTICATED');
    expect(await outcome(svc.authService.auth.listSessions({}, marked))).toBe('UNAUTHENTICATED');

    // Once the session is revoked, the mark opens nothing.
    await svc.authService.auth.logout({}, a.md);
    const deadline = Date.now() + 3_000;
    let after: string | undefined = 'OK';
    while (after === 'OK' && Date.now() < deadline) after = await outcome(svc.chat.getChats({ ids: [chatId] }, marked));
    expect(after).toBe('UNAUTHENTICATED');
    expect(await outcome(svc.authService.auth.getUsers({ ids: [b.id] }, marked))).toBe('UNAUTHENTICATED');
  });
});
