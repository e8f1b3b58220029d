import { describe, expect, it } from 'vitest';
import { ownChatClient, useChatService } from '../../../test/support/chat.js';
import { leftover } from '../../../test/support/leftovers.js';
import { group, range, send, users } from './helpers.js';
import { loggedOf, openStream } from './stream-helpers.js';

// A subscriber that stops reading must not make the service buffer without bound: its stream is
// ended with RESOURCE_EXHAUSTED once 200 responses wait, and it resumes from its cursor. A reader
// that keeps up reads each burst before the next one is sent.

const TOTAL = 600;
const svc = useChatService('chat_slow', { limits: { maxBacklog: 50, maxSubscribeBuffered: 200 } });

describe('slow consumers', () => {
  it('ends a stream that does not read with RESOURCE_EXHAUSTED; resuming delivers everything once', async () => {
    const [me, other] = await users(svc, 2);
    const chat = await group(svc, other!, [me!]);
    // On a connection of its own: a paused stream holds up its whole connection once the
    // connection's flow-control window is full (HTTP/2), and the fast one must not share it.
    const slowClient = ownChatClient(svc.app.port);
    leftover(() => slowClient.close());
    const slow = openStream(slowClient, me!.md);
    const fast = openStream(svc.client, other!.md);
    await Promise.all([slow.snapshot(), fast.snapshot()]);
    slow.call.pause();

    // Bodies of 2 KiB so that HTTP/2 flow control fills and responses wait in the service.
    const body = (i: number) => `${i} ${'x'.repeat(2_048)}`;
    let sentWhenCut: number | undefined;
    for (let i = 0; i < TOTAL; i += 20) {
      await Promise.all(range(20).map((n) => send(svc, other!, chat.id, body(i + n))));
      if (sentWhenCut === undefined && svc.app.subscribers() < 2) sentWhenCut = i + 20;
      // The reader that keeps up reads each burst before the next is sent: in one process with
      // the service, how far a reader lags behind a burst depends on the machine, not the service.
      await fast.until((e) => e.seq === i + 20, 10_000);
    }
    // The service gave up on the stream long before the last message: it buffered only a bounded
    // backlog (the stream's HTTP/2 window, about 30 of these, and 200).
    expect(sentWhenCut).toBeDefined();
    expect(sentWhenCut).toBeLessThan(400);
    // The well-behaved subscriber of the same chat got everything.
    await fast.until((e) => e.seq === TOTAL, 10_000);
    expect(loggedOf(fast.events, chat.id).map((e) => e.seq)).toEqual(range(TOTAL));

    // The status trails the responses already sent (HTTP/2 delivers in order): read them, then
    // the stream ends with RESOURCE_EXHAUSTED, and the client resumes after the last seq it saw.
    slow.call.resume();
    expect(await slow.ended(10_000)).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    await slow.drained();
    const before = loggedOf(slow.events, chat.id).map((e) => e.seq);
    expect(before.length).toBeLessThan(sentWhenCut!);
    expect(before).toEqual(range(before.length));
    const resumed = openStream(svc.client, me!.md, [{ chatId: chat.id, seq: before.length }]);
    await resumed.until((e) => e.chatId === chat.id && e.seq === TOTAL, 10_000);
    const after = loggedOf(resumed.events, chat.id).map((e) => e.seq);
    expect([...before, ...after]).toEqual(range(TOTAL));
    expect(svc.app.subscribers()).toBe(2); // fast and resumed
  });

  it('a stream that keeps reading is not cut', async () => {
    const [me, other] = await users(svc, 2);
    const chat = await group(svc, other!, [me!]);
    const stream = openStream(svc.client, me!.md);
    await stream.snapshot();
    for (let i = 0; i < 300; i += 10) {
      await Promise.all(range(10).map((n) => send(svc, other!, chat.id, `m${i + n}`)));
    }
    await stream.until((e) => e.seq === 300, 10_000);
    expect(loggedOf(stream.events, chat.id).map((e) => e.seq)).toEqual(range(300));
  });
});
