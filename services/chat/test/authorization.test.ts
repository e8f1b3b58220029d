import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import { as, expiredAccessToken } from '../../../test/support/auth.js';
import { testKeys, testSigner } from '../../../test/support/keys.js';
import { useChatService } from '../../../test/support/chat.js';
import { ChatRole } from '../../../proto/gen/chat/v1/chat.js';
import {
  busyCursors,
  direct,
  group,
  outcome,
  send,
  storeState,
  users,
  type Outcome,
  type TestUser,
} from './helpers.js';
import { is, loggedOf, openStream, withBody } from './stream-helpers.js';

// Every operation on a chat, by a member, by a user who never was one, by a removed member, and
// without a valid token. Outsiders get NOT_FOUND, as if the chat did not exist, and write nothing.

const svc = useChatService('chat_authz');

/** A group with an OWNER, a MEMBER, a removed member, an outsider, and a message from each member. */
async function world() {
  const [owner, member, removed, outsider, newcomer] = await users(svc, 5);
  const chat = await group(svc, owner!, [member!, removed!]);
  const messages = {
    owner: (await send(svc, owner!, chat.id, 'from the owner')).id,
    member: (await send(svc, member!, chat.id, 'from the member')).id,
    removed: (await send(svc, removed!, chat.id, 'from the removed member')).id,
  };
  await svc.chat.removeMember({ chatId: chat.id, userId: removed!.id }, owner!.md);
  return {
    owner: owner!,
    member: member!,
    removed: removed!,
    outsider: outsider!,
    newcomer: newcomer!,
    chat,
    messages,
  };
}

type World = Awaited<ReturnType<typeof world>>;

/** Each operation as `who` would make it; `own` is a message of theirs in the chat, if any. */
const operations: [string, (w: World, md: TestUser['md'], own: string) => Promise<unknown>, Outcome][] = [
  [
    'GetChats',
    async (w, md) => {
      const { results } = await svc.chat.getChats({ ids: [w.chat.id] }, md);
      // A chat the caller is not in is left unset: counted here as NOT_FOUND.
      if (!results[0]?.chat) throw Object.assign(new Error('unset'), { code: status.NOT_FOUND, details: 'unset' });
    },
    { code: 'OK' },
  ],
  ['ListMembers', (w, md) => svc.chat.listMembers({ chatId: w.chat.id, first: 10 }, md), { code: 'OK' }],
  [
    'SendMessage',
    (w, md) => svc.chat.sendMessage({ chatId: w.chat.id, body: 'hi', clientMessageId: 'x' }, md),
    { code: 'OK' },
  ],
  ['EditMessage', (_w, md, own) => svc.chat.editMessage({ messageId: own, body: 'edited' }, md), { code: 'OK' }],
  ['DeleteMessage', (_w, md, own) => svc.chat.deleteMessage({ messageId: own }, md), { code: 'OK' }],
  [
    'GetMessages',
    async (_w, md, own) => {
      const { results } = await svc.chat.getMessages({ ids: [own] }, md);
      // A message of a chat the caller is not in is left unset: counted here as NOT_FOUND.
      if (!results[0]?.message) throw Object.assign(new Error('unset'), { code: status.NOT_FOUND, details: 'unset' });
    },
    { code: 'OK' },
  ],
  ['ListMessages', (w, md) => svc.chat.listMessages({ chatId: w.chat.id }, md), { code: 'OK' }],
  ['MarkRead', (w, md) => svc.chat.markRead({ chatId: w.chat.id, seq: 100 }, md), { code: 'OK' }],
  ['SetTyping', (w, md) => svc.chat.setTyping({ chatId: w.chat.id, typing: true }, md), { code: 'OK' }],
  [
    'AddMembers',
    (w, md) => svc.chat.addMembers({ chatId: w.chat.id, userIds: [w.newcomer.id] }, md),
    { code: 'PERMISSION_DENIED' },
  ],
  [
    'RemoveMember',
    (w, md) => svc.chat.removeMember({ chatId: w.chat.id, userId: w.owner.id }, md),
    { code: 'PERMISSION_DENIED' },
  ],
  [
    'SetMemberRole',
    (w, md) => svc.chat.setMemberRole({ chatId: w.chat.id, userId: w.owner.id, role: ChatRole.CHAT_ROLE_MEMBER }, md),
    { code: 'PERMISSION_DENIED' },
  ],
  ['LeaveChat', (w, md) => svc.chat.leaveChat({ chatId: w.chat.id }, md), { code: 'OK' }],
];

describe.each(operations)('%s', (_name, operation, asMember) => {
  it('is NOT_FOUND for a non-member and a removed member, UNAUTHENTICATED without a valid token', async () => {
    const w = await world();
    const stranger = testSigner(testKeys()).then((signer) =>
      signer.sign({ userId: w.member.id, sessionId: w.member.sessionId }, 60_000),
    );
    // Correctly signed for an active session, but past its exp: only Subscribe may accept that.
    const expired = expiredAccessToken(svc.authService.keys, w.member.id, w.member.sessionId);

    const before = await storeState(svc);
    expect(await outcome(operation(w, w.outsider.md, w.messages.owner))).toEqual({ code: 'NOT_FOUND' });
    expect(await outcome(operation(w, w.removed.md, w.messages.removed))).toEqual({ code: 'NOT_FOUND' });
    for (const md of [
      { metadata: callMetadata({}) },
      as('garbage'),
      { metadata: callMetadata({ authorization: 'Basic abc' }) },
      as((await stranger).token),
      as(await expired),
    ]) {
      expect(await outcome(operation(w, md, w.messages.member))).toEqual({ code: 'UNAUTHENTICATED' });
    }
    expect(await storeState(svc)).toEqual(before);

    expect(await outcome(operation(w, w.member.md, w.messages.member))).toEqual(asMember);
  });
});

describe('NOT_FOUND without revealing anything', () => {
  it('answers a chat that does not exist the same as one the caller is not in', async () => {
    const [owner, outsider] = await users(svc, 2);
    const chat = await group(svc, owner!, []);
    for (const chatId of [chat.id, randomUUID(), 'not-a-uuid']) {
      expect(await outcome(svc.chat.listMessages({ chatId }, outsider!.md))).toEqual({ code: 'NOT_FOUND' });
      expect(await outcome(svc.chat.markRead({ chatId, seq: 1 }, outsider!.md))).toEqual({ code: 'NOT_FOUND' });
      expect(await outcome(svc.chat.sendMessage({ chatId, body: 'hi', clientMessageId: 'c' }, outsider!.md))).toEqual({
        code: 'NOT_FOUND',
      });
    }
  });
});

describe('Subscribe', () => {
  it('gives a non-member no event of the chat, and ignores a resume cursor for it', async () => {
    const [owner, member, outsider, friend] = await users(svc, 4);
    const chat = await group(svc, owner!, [member!]);
    const own = await direct(svc, outsider!, friend!);
    await send(svc, owner!, chat.id, 'before');
    const plain = openStream(svc.client, outsider!.md);
    const resumed = openStream(svc.client, outsider!.md, [{ chatId: chat.id, seq: 0 }]);
    for (const stream of [plain, resumed]) {
      expect((await stream.snapshot()).chats.map((c) => c.chatId)).toEqual([own.id]);
    }

    const m = await send(svc, member!, chat.id, 'secret');
    await svc.chat.editMessage({ messageId: m.id, body: 'secret 2' }, member!.md);
    await svc.chat.setTyping({ chatId: chat.id, typing: true }, member!.md);
    await svc.chat.markRead({ chatId: chat.id, seq: 1 }, owner!.md);
    await svc.chat.setMemberRole({ chatId: chat.id, userId: member!.id, role: ChatRole.CHAT_ROLE_ADMIN }, owner!.md);
    await svc.chat.deleteMessage({ messageId: m.id }, owner!.md);
    await send(svc, friend!, own.id, 'marker');
    for (const stream of [plain, resumed]) {
      await stream.until(withBody('marker'));
      expect(stream.events.filter((e) => e.chatId !== own.id)).toEqual([]);
    }
  });

  it('ends a removed member’s chat with RemovedFromChat on every stream, and nothing after it', async () => {
    const [owner, member, gone, leaver, newcomer] = await users(svc, 5);
    const chat = await group(svc, owner!, [member!, gone!, leaver!]);
    const other = await direct(svc, gone!, member!);
    const otherLeaver = await direct(svc, leaver!, member!);
    const devices = [openStream(svc.client, gone!.md), openStream(svc.client, gone!.md)];
    const leaverStream = openStream(svc.client, leaver!.md);
    await Promise.all([...devices, leaverStream].map((stream) => stream.snapshot()));

    await send(svc, owner!, chat.id, 'seen');
    const removal = await svc.chat.removeMember({ chatId: chat.id, userId: gone!.id }, owner!.md);
    await svc.chat.leaveChat({ chatId: chat.id }, leaver!.md);
    const after = await send(svc, member!, chat.id, 'not for them');
    await svc.chat.editMessage({ messageId: after.id, body: 'still not' }, member!.md);
    await svc.chat.setTyping({ chatId: chat.id, typing: true }, member!.md);
    await svc.chat.markRead({ chatId: chat.id, seq: 100 }, member!.md);
    await svc.chat.addMembers({ chatId: chat.id, userIds: [newcomer!.id] }, owner!.md);
    await send(svc, member!, other.id, 'marker');
    await send(svc, member!, otherLeaver.id, 'marker');

    for (const stream of devices) {
      await stream.until(withBody('marker'));
      const events = stream.events.filter((e) => e.chatId === chat.id);
      expect(events.map((e) => e.kind?.$case)).toEqual(['messageCreated', 'readReceipt', 'removedFromChat']);
      expect(events.at(-1)?.seq).toBe(removal.chat!.lastSeq);
    }
    await leaverStream.until(withBody('marker'));
    const leaverEvents = loggedOf(leaverStream.events, chat.id);
    expect(leaverEvents.map((e) => [e.kind?.$case, e.seq])).toEqual([
      ['messageCreated', 1],
      ['chatUpdated', 2],
      ['removedFromChat', 3],
    ]);
    expect(leaverStream.events.filter((e) => e.chatId === chat.id).at(-1)).toEqual(leaverEvents.at(-1));

    // Resuming from before the removal: the missed events up to RemovedFromChat, nothing after.
    const back = openStream(svc.client, gone!.md, [{ chatId: chat.id, seq: 0 }]);
    expect((await back.snapshot()).chats.map((c) => c.chatId)).toEqual([other.id]);
    await back.until(is('removedFromChat', chat.id));
    await send(svc, member!, other.id, 'marker 2');
    await back.until(withBody('marker 2'));
    expect(back.events.filter((e) => e.chatId === chat.id).map((e) => [e.kind?.$case, e.seq])).toEqual([
      ['messageCreated', 1],
      ['removedFromChat', 2],
    ]);
  });

  it('gives nothing after RemovedFromChat to a member removed before their stream caught up', async () => {
    const [me, owner, friend] = await users(svc, 3);
    // The stream is still replaying 500 resumed chats while the chat is created, and it is removed.
    const stream = openStream(svc.client, me!.md, await busyCursors(svc, me!.id));
    await stream.snapshot();
    const chat = await group(svc, owner!, [me!]);
    await svc.chat.removeMember({ chatId: chat.id, userId: me!.id }, owner!.md);
    await send(svc, owner!, chat.id, 'after the removal');
    const own = await direct(svc, friend!, me!);
    await send(svc, friend!, own.id, 'marker');
    await stream.until(withBody('marker'), 5_000);
    expect(stream.events.filter((e) => e.chatId === chat.id).map((e) => [e.kind?.$case, e.seq])).toEqual([
      ['chatUpdated', 0],
      ['removedFromChat', 1],
    ]);
  });
});
