import { describe, expect, it } from 'vitest';
import type { State } from './model';
import { reduce } from './reducer';
import {
  at,
  alice,
  bob,
  member,
  created,
  deleted,
  readReceipt,
  ev,
  loaded,
  history,
  run,
  start,
  m,
  c1At5,
} from './test-fixtures';

describe('read receipts and read markers', () => {
  const base = () =>
    run(
      start(c1At5({ lastSeq: 7, unreadCount: 2, lastMessage: m(7), members: [member(alice, 5), member(bob, 7)] })),
      history('c1', [m(5), m(6), m(7)]),
      { type: 'membersLoaded', chatId: 'c1', members: [member(alice, 5), member(bob, 4)] },
    );
  const marker = (state: State, userId: string) =>
    state.chats['c1']!.members.find((x) => x.user.id === userId)?.lastReadSeq;
  const paneMarker = (state: State, userId: string) =>
    state.panes['c1']!.members?.find((x) => x.user.id === userId)?.lastReadSeq;

  it("raises another member's marker only upward, in summary and pane", () => {
    const raised = reduce(base(), ev(readReceipt('c1', 'bob', 6)));
    expect(marker(raised, 'bob')).toBe(7); // already higher in the summary
    expect(paneMarker(raised, 'bob')).toBe(6);
    expect(raised.chats['c1']!.unreadCount).toBe(2);

    const lowered = reduce(raised, ev(readReceipt('c1', 'bob', 3)));
    expect(marker(lowered, 'bob')).toBe(7);
    expect(paneMarker(lowered, 'bob')).toBe(6);
  });

  it('my own receipt at lastSeq zeroes unread; below it keeps the count', () => {
    const partial = reduce(base(), ev(readReceipt('c1', 'alice', 6)));
    expect(partial.chats['c1']!.unreadCount).toBe(2);
    expect(marker(partial, 'alice')).toBe(6);
    expect(paneMarker(partial, 'alice')).toBe(6);

    const all = reduce(partial, ev(readReceipt('c1', 'alice', 7)));
    expect(all.chats['c1']!.unreadCount).toBe(0);
    expect(marker(all, 'alice')).toBe(7);
  });

  it("another member's receipt at lastSeq does not touch my unread count", () => {
    const after = reduce(base(), ev(readReceipt('c1', 'bob', 7)));
    expect(after.chats['c1']!.unreadCount).toBe(2);
  });

  it('readMarked takes the count when it is as new as the summary, and raises my marker', () => {
    const after = reduce(base(), { type: 'readMarked', chatId: 'c1', lastSeq: 7, unreadCount: 0, readSeq: 7 });
    expect(after.chats['c1']!.unreadCount).toBe(0);
    expect(marker(after, 'alice')).toBe(7);
    expect(paneMarker(after, 'alice')).toBe(7);
  });

  it('readMarked older than the summary keeps the count but raises my marker', () => {
    const live = reduce(base(), ev(created(m(8))));
    expect(live.chats['c1']!.unreadCount).toBe(3);
    const after = reduce(live, { type: 'readMarked', chatId: 'c1', lastSeq: 7, unreadCount: 0, readSeq: 7 });
    expect(after.chats['c1']!.unreadCount).toBe(3);
    expect(marker(after, 'alice')).toBe(7);
  });

  // A fixed bug: the markRead answer can be ahead of the event stream. alice reads up to 7 while
  // bob's 8 is committed; the server answers { lastSeq: 8, unreadCount: 1 } (8 is unread). A
  // reducer that took that count but left the summary at lastSeq 7 counted 8 again when its
  // MessageCreated arrived ("fresh"): unreadCount 2 instead of 1.
  it('readMarked answered after a newer message does not count that message twice', () => {
    // The answer (lastSeq 8) is ahead of the summary (7): its count is not taken, since the event
    // of 8 is still on its way; mark-read.ts loads the summary again, which settles it.
    const state = reduce(base(), { type: 'readMarked', chatId: 'c1', lastSeq: 8, unreadCount: 1, readSeq: 7 });
    const after = reduce(state, ev(created(m(8))));
    expect(after.chats['c1']!.lastMessage?.id).toBe('c1:m8');
    const settled = reduce(after, loaded([{ ...after.chats['c1']!, unreadCount: 1 }]));
    expect(settled.chats['c1']!.unreadCount).toBe(1);
    // The summary loaded again before the event: the event then does not count 8 again.
    const early = run(
      state,
      loaded([{ ...state.chats['c1']!, lastSeq: 8, lastMessage: m(8), unreadCount: 1 }]),
      ev(created(m(8))),
    );
    expect(early.chats['c1']!.unreadCount).toBe(1);
  });

  it('readMarked in step with the summary takes the server count', () => {
    const state = reduce(base(), { type: 'readMarked', chatId: 'c1', lastSeq: 7, unreadCount: 0, readSeq: 7 });
    expect(state.chats['c1']!.unreadCount).toBe(0);
  });
});

describe('unread count and tombstones', () => {
  // The server does not count tombstones as unread (services/chat/src/rows.ts,
  // `m.deleted_at IS NULL`); only it knows whether the deleted message counted, so
  // event-follow-ups.ts loads the summary again after such a delete, and the reload's count is taken.
  it('an unread message deleted by its sender no longer counts unread once the summary is reloaded', () => {
    const m6 = m(6);
    const state = run(start(c1At5()), ev(created(m6)));
    expect(state.chats['c1']!.unreadCount).toBe(1);
    const tombstone = { ...m6, body: '', deletedAt: at(30) };
    const after = reduce(state, ev(deleted(7, tombstone)));
    expect(after.chats['c1']!.lastMessage?.deletedAt).toBe(at(30));
    const reloaded = reduce(after, loaded([{ ...after.chats['c1']!, lastSeq: 7, unreadCount: 0 }]));
    expect(reloaded.chats['c1']!.unreadCount).toBe(0);
  });
});
