import { describe, expect, it } from 'vitest';
import { ownChatClient, useChatService } from '../../../test/support/chat.js';
import { leftover } from '../../../test/support/leftovers.js';
import { expectClean, seqsOf, useDeliverCalls } from './deliver-helpers.js';
import { bulkLog, group, range, send, users } from './helpers.js';
import { atSeq } from './stream-helpers.js';

// Deliver to a caller that reads slowly: the call is cut past a bound, replays are paced.

const { deliverOn } = useDeliverCalls();

describe('Deliver to a caller that stops reading', () => {
  const svc = useChatService('chat_deliver_slow', { limits: { maxBuffered: 50 } });

  it('ends the call with RESOURCE_EXHAUSTED; re-adding its subscribers from their cursors delivers the rest once', async () => {
    const [writer, r1, r2] = await users(svc, 3);
    const chat = await group(svc, writer!, [r1!, r2!]);
    // On a connection of its own, as a gateway's Deliver calls are: a paused stream holds up its
    // whole connection once the connection's flow-control window is full (HTTP/2).
    const ownClient = ownChatClient(svc.app.port);
    leftover(() => ownClient.close());
    const paused = deliverOn(svc, ownClient);
    const who = [writer!, r1!, r2!, r2!];
    const cut = who.map((user) => paused.add(user));
    const healthy = deliverOn(svc);
    const reading = healthy.add(r1!);
    await Promise.all([...cut, reading].map((s) => s.snapshot()));
    const baseline = svc.app.subscribers();
    expect(baseline).toBe(5);
    paused.call.pause();

    // Bodies of 2 KiB so that HTTP/2 flow control fills and responses wait in the service. Sent
    // until the call is cut, and a few bursts more: those the resumed subscribers must still get.
    const body = (i: number) => `${i} ${'x'.repeat(2_048)}`;
    let sentWhenCut: number | undefined;
    let total = 0;
    while (total < 250 && (sentWhenCut === undefined || total < sentWhenCut + 60)) {
      await Promise.all(range(10).map((n) => send(svc, writer!, chat.id, body(total + n))));
      total += 10;
      if (sentWhenCut === undefined && svc.app.subscribers() === baseline - cut.length) sentWhenCut = total;
      // The call that reads takes each burst before the next is sent: how far a reader in the
      // service's own process lags behind a burst depends on the machine, not on the service.
      await reading.until(atSeq(chat.id, total), 10_000);
    }
    // The whole call was given up after a bounded amount was buffered for it.
    expect(sentWhenCut).toBeDefined();
    expect(sentWhenCut).toBeLessThan(250);
    expect(total).toBe(sentWhenCut! + 60);
    // The other call, which reads, got everything.
    await reading.until(atSeq(chat.id, total), 10_000);
    expect(seqsOf(reading, chat.id)).toEqual(range(total));

    // The status trails what was already sent: read it, then the call ends.
    paused.call.resume();
    expect(await paused.ended(10_000)).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    await paused.drained();
    const before = cut.map((s) => seqsOf(s, chat.id));
    for (const [i, seqs] of before.entries()) {
      expect(seqs).toEqual(range(seqs.length));
      expect(seqs.length).toBeLessThan(sentWhenCut!);
      expect(cut[i]!.endings).toEqual([]); // the call ended, not the subscribers one by one
    }
    const fresh = deliverOn(svc);
    const resumed = cut.map((s, i) => fresh.add(who[i]!, s.cursors()));
    for (const [i, subscriber] of resumed.entries()) {
      await subscriber.until(atSeq(chat.id, total), 10_000);
      expect([...before[i]!, ...seqsOf(subscriber, chat.id)]).toEqual(range(total));
    }
    expect(svc.app.subscribers()).toBe(1 + cut.length);
    expectClean(fresh, resumed);
  });

  it('replays several chats to a subscriber on a call with a small buffer', async () => {
    const [me, other] = await users(svc, 2);
    const chats = [await group(svc, other!, [me!], 'a'), await group(svc, other!, [me!], 'b')];
    // 14 missed events per chat: a page that stays under the stream's high-water mark (16).
    for (const chat of chats) await bulkLog(svc, chat.id, other!.id, 14);
    const call = deliverOn(svc);
    const subscriber = call.add(
      me!,
      chats.map((chat) => ({ chatId: chat.id, seq: 0 })),
    );
    await subscriber.snapshot();
    // Replayed in milliseconds when it works; 2 s is ample.
    for (const chat of chats) await subscriber.until(atSeq(chat.id, 14), 2_000);
    for (const chat of chats) expect(seqsOf(subscriber, chat.id)).toEqual(range(14));
    expectClean(call, [subscriber]);
  });
});
