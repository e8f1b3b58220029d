import { describe, expect, it } from 'vitest';
import { useRealtime, MESSAGES, range, seqs, type Watch, type Account } from './helpers.js';

// A subscription that resumes from an old cursor: replay, then live, beside live subscribers. See helpers.ts for the
// path these tests hold, and how a test waits for subscriptions to be live.

const { stack, waitFor, connect, watch, registered, live, users, group, send } = useRealtime('gw_rt_resume');

describe('resuming from an old cursor', () => {
  it('replays a few hundred messages, then live, while others receive live events', { timeout: 180_000 }, async () => {
    const [owner, live1, live2, resumer] = (await users(4, 'rs')) as [Account, Account, Account, Account];
    const chatId = await group(owner, [live1, live2, resumer], 'resume');
    const otherChat = (await stack.chatService.chat.getOrCreateDirectChat({ userId: live2.id }, live1.md)).chat!.id;
    const HISTORY = 300;
    /** Body by seq: sent 25 at a time, so seqs follow commit order, not the body's number. */
    const history = new Map<number, string>();
    for (let i = 1; i <= HISTORY; i += 25) {
      await Promise.all(
        range(i, Math.min(i + 24, HISTORY)).map(async (k) => {
          const sent = await stack.chatService.chat.sendMessage(
            { chatId, body: `old-${k}`, clientMessageId: `old-${k}` },
            owner.md,
          );
          history.set(sent.message!.seq, `old-${k}`);
        }),
      );
    }
    expect([...history.keys()].sort((a, b) => a - b)).toEqual(range(1, HISTORY));
    const liveSubs = [watch(connect(live1.token), MESSAGES), watch(connect(live2.token), MESSAGES)];
    await registered(2);
    await live(liveSubs, chatId, [owner]);

    // Live traffic in the chat and in another one, from two senders at once.
    const LIVE = 40;
    let resumed: { from: number; sub: Watch }[] = [];
    const traffic = Promise.all([
      (async () => {
        for (let i = 1; i <= LIVE; i++) {
          await send(owner, chatId, `live-${i}`);
          // The resumers start while live events flow.
          if (i === 5) {
            resumed = [10, 150].map((from) => ({
              from,
              sub: watch(connect(resumer.token), MESSAGES, { resume: [{ chatId, afterSeq: from }] }),
            }));
          }
        }
      })(),
      (async () => {
        for (let i = 1; i <= LIVE; i++) await send(live1, otherChat, `side-${i}`);
      })(),
    ]);
    await traffic;
    const last = HISTORY + LIVE;

    await waitFor(
      () =>
        liveSubs.every((sub) => sub.created(chatId).length >= LIVE && sub.created(otherChat).length >= LIVE) &&
        resumed.every(({ from, sub }) => sub.created(chatId).length >= last - from),
      () =>
        `every message: live ${liveSubs.map((s) => `${s.created(chatId).length}+${s.created(otherChat).length}`).join(',')}; ` +
        `resumed ${resumed.map(({ sub }) => sub.created(chatId).length).join(',')}`,
    );
    for (const sub of liveSubs) {
      expect(sub.problems()).toEqual([]);
      expect(seqs(sub.created(chatId))).toEqual(range(HISTORY + 1, last));
      expect(sub.created(chatId).map((e) => e.message!.body)).toEqual(range(1, LIVE).map((i) => `live-${i}`));
      expect(seqs(sub.created(otherChat))).toEqual(range(1, LIVE));
    }
    for (const { from, sub } of resumed) {
      expect(sub.problems()).toEqual([]);
      // Replay, then live: every message after the cursor once, in order, nothing before it.
      expect(seqs(sub.created(chatId))).toEqual(range(from + 1, last));
      expect(sub.created(chatId).map((e) => e.message!.body)).toEqual([
        ...range(from + 1, HISTORY).map((seq) => history.get(seq)),
        ...range(1, LIVE).map((i) => `live-${i}`),
      ]);
    }
    expect(stack.gateway.events.calls()).toBe(1);
  });
});
