import { describe, expect, it } from 'vitest';
import { reduce } from './reducer';
import { alice, bob, member, created, pending, ev, run, start, seqs, ids, m, c1At5, historyTo5 } from './test-fixtures';

describe('own messages', () => {
  const mine = m(6, alice, { clientMessageId: 'cm-mine', body: 'hi bob' });
  // Two unread messages from bob before alice answers.
  const base = () =>
    run(
      start(c1At5({ lastSeq: 5, unreadCount: 2, members: [member(alice, 3), member(bob, 5)] })),
      historyTo5,
      { type: 'pendingAdded', chatId: 'c1', pending: pending('cm-mine', 'hi bob') },
      { type: 'pendingAdded', chatId: 'c1', pending: pending('cm-other', 'second') },
    );

  it('messageSaved before its MessageCreated event: one message, pending gone, nothing unread', () => {
    const saved = reduce(base(), { type: 'messageSaved', message: mine });
    expect(ids(saved, 'c1')).toEqual(['c1:m1', 'c1:m2', 'c1:m3', 'c1:m4', 'c1:m5', 'c1:m6']);
    expect(saved.panes['c1']!.pending.map((p) => p.clientMessageId)).toEqual(['cm-other']);
    expect(saved.chats['c1']!.unreadCount).toBe(0);
    expect(saved.chats['c1']!.lastSeq).toBe(6);
    expect(saved.chats['c1']!.lastMessage?.id).toBe('c1:m6');

    const after = reduce(saved, ev(created(mine)));
    expect(ids(after, 'c1')).toEqual(['c1:m1', 'c1:m2', 'c1:m3', 'c1:m4', 'c1:m5', 'c1:m6']);
    expect(after.panes['c1']!.pending.map((p) => p.clientMessageId)).toEqual(['cm-other']);
    expect(after.chats['c1']!.unreadCount).toBe(0);
    expect(after.cursors['c1']).toBe(6);
  });

  it('messageSaved after its MessageCreated event: one message, pending gone, nothing unread', () => {
    const viaEvent = reduce(base(), ev(created(mine)));
    expect(ids(viaEvent, 'c1').filter((id) => id === 'c1:m6')).toHaveLength(1);
    expect(viaEvent.chats['c1']!.unreadCount).toBe(0);

    const saved = reduce(viaEvent, { type: 'messageSaved', message: mine });
    expect(seqs(saved, 'c1')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(saved.panes['c1']!.pending.map((p) => p.clientMessageId)).toEqual(['cm-other']);
    expect(saved.chats['c1']!.unreadCount).toBe(0);
    expect(saved.chats['c1']!.lastSeq).toBe(6);
    expect(saved.chats['c1']!.lastMessage?.id).toBe('c1:m6');
  });

  it('a MessageCreated of mine removes the pending entry with the same clientMessageId', () => {
    const after = reduce(base(), ev(created(mine)));
    expect(after.panes['c1']!.pending.map((p) => p.clientMessageId)).toEqual(['cm-other']);
    expect(after.panes['c1']!.messages.at(-1)?.body).toBe('hi bob');
  });

  it("another user's message with the same clientMessageId does not remove my pending entry", () => {
    const theirs = m(6, bob, { clientMessageId: 'cm-mine' });
    const after = reduce(base(), ev(created(theirs)));
    expect(after.panes['c1']!.pending.map((p) => p.clientMessageId)).toEqual(['cm-mine', 'cm-other']);
    expect(after.chats['c1']!.unreadCount).toBe(3);
  });

  it('a message of mine from another device zeroes unread (sending moves my marker)', () => {
    const fromPhone = m(6, alice, { clientMessageId: 'phone-1' });
    const after = reduce(base(), ev(created(fromPhone)));
    expect(after.chats['c1']!.unreadCount).toBe(0);
    expect(after.panes['c1']!.pending).toHaveLength(2);
  });

  it('a message from bob that my saved message overtook is not counted unread', () => {
    // bob's 6 and my 7 were committed in that order; the mutation answer for 7 comes first.
    const mine7 = m(7, alice, { clientMessageId: 'cm-mine' });
    const state = run(base(), { type: 'messageSaved', message: mine7 }, ev(created(m(6))), ev(created(mine7)));
    expect(state.chats['c1']!.unreadCount).toBe(0);
    expect(state.chats['c1']!.lastMessage?.id).toBe('c1:m7');
    expect(seqs(state, 'c1')).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
