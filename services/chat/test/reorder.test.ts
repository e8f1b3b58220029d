import { describe, expect, it } from 'vitest';
import { until } from '../../../test/support/wait.js';
import type { LoggedEvent } from '../src/event-log.js';
import { createReorder } from '../src/delivery/reorder.js';

// Each chat's events leave in seq order however the bus brought them, an early one waiting only
// so long for the one before it.

const event = (chatId: string, seq: number): LoggedEvent => ({ chatId, seq, kind: 'message_created', data: {} });

function harness(waitMs = 30) {
  const routed: string[] = [];
  const reorder = createReorder({
    route: (e) => routed.push(`${e.chatId}${e.seq}`),
    followed: (chatId) => chatId !== 'unfollowed',
    waitMs,
  });
  return { routed, reorder };
}

describe('reorder', () => {
  it('puts swapped events of a chat back in order, each chat on its own', () => {
    const { routed, reorder } = harness();
    for (const [chat, seq] of [
      ['a', 1],
      ['a', 3],
      ['b', 7],
      ['a', 2],
      ['b', 9],
      ['b', 8],
      ['a', 4],
    ] as const) {
      reorder.accept(event(chat, seq));
    }
    expect(routed).toEqual(['a1', 'b7', 'a2', 'a3', 'b8', 'b9', 'a4']);
    reorder.close();
  });

  it('lets early events go after a while when the one before them never comes', async () => {
    const { routed, reorder } = harness(20);
    reorder.accept(event('a', 1));
    reorder.accept(event('a', 4));
    reorder.accept(event('a', 3));
    expect(routed).toEqual(['a1']);
    await until(() => routed.length === 3, 'the early events');
    expect(routed).toEqual(['a1', 'a3', 'a4']);
    // Then order goes on from there; the lost one, should it come late, is passed on as is.
    reorder.accept(event('a', 5));
    reorder.accept(event('a', 2));
    expect(routed).toEqual(['a1', 'a3', 'a4', 'a5', 'a2']);
    reorder.close();
  });

  it('passes on at once what no one here follows, and after a reset starts afresh', () => {
    const { routed, reorder } = harness();
    reorder.accept(event('unfollowed', 5));
    reorder.accept(event('unfollowed', 3));
    reorder.accept(event('a', 1));
    reorder.accept(event('a', 3));
    reorder.reset();
    expect(routed).toEqual(['unfollowed5', 'unfollowed3', 'a1', 'a3']);
    reorder.accept(event('a', 7));
    reorder.accept(event('a', 8));
    expect(routed.slice(4)).toEqual(['a7', 'a8']);
    reorder.close();
  });
});
