import { describe, expect, it } from 'vitest';
import type { ChatFieldsFragment } from '../graphql/graphql';
import { resumeCursors } from './chat-log';
import { chatsByActivity, chatTitle } from './display';
import { reduce } from './reducer';
import {
  at,
  alice,
  bob,
  carol,
  member,
  message,
  chat,
  created,
  edited,
  chatUpdated,
  removedFromChat,
  readReceipt,
  typingEvent,
  ev,
  loaded,
  history,
  run,
  start,
  seqs,
  m,
  c1At5,
  historyTo5,
} from './test-fixtures';

describe('exactly once per chat', () => {
  it('shows a replayed MessageCreated once and counts it unread once', () => {
    const first = run(start(c1At5()), historyTo5, ev(created(m(6))));
    const replayed = reduce(first, ev(created(m(6))));

    expect(replayed).toBe(first); // dropped as a replay, nothing changes
    expect(seqs(replayed, 'c1')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(replayed.chats['c1']!.unreadCount).toBe(1);
    expect(replayed.chats['c1']!.lastSeq).toBe(6);
    expect(replayed.cursors['c1']).toBe(6);
  });

  it('drops a whole resumed batch that was already applied (reconnect)', () => {
    const live = run(start(c1At5()), historyTo5, ev(created(m(6))), ev(created(m(7))), ev(created(m(8))));
    const resumed = run(live, ev(created(m(7))), ev(created(m(8))), ev(created(m(9))));

    expect(seqs(resumed, 'c1')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(resumed.chats['c1']!.unreadCount).toBe(4);
    expect(resumed.chats['c1']!.lastMessage?.id).toBe('c1:m9');
    expect(resumed.cursors['c1']).toBe(9);
  });

  it('does not recount events a later chats query already reflects, but still shows them in the open pane', () => {
    // Open pane up to 5; reconnect: the chats query was answered after 6 and 7 were committed.
    const before = run(start(c1At5()), historyTo5);
    const query = c1At5({ lastSeq: 7, unreadCount: 2, lastMessage: m(7), updatedAt: at(7) });
    const afterQuery = reduce(before, loaded([query]));
    expect(afterQuery.chats['c1']!.unreadCount).toBe(2);
    expect(afterQuery.cursors['c1']).toBe(5); // the stream still resumes after 5

    const after = run(afterQuery, ev(created(m(6))), ev(created(m(7))));
    expect(after.chats['c1']!.unreadCount).toBe(2);
    expect(after.chats['c1']!.lastSeq).toBe(7);
    expect(after.chats['c1']!.lastMessage?.id).toBe('c1:m7');
    expect(seqs(after, 'c1')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(after.cursors['c1']).toBe(7);

    // A message after what the query saw counts again.
    const next = reduce(after, ev(created(m(8))));
    expect(next.chats['c1']!.unreadCount).toBe(3);
    expect(next.chats['c1']!.lastMessage?.id).toBe('c1:m8');
  });

  it('shows a message once when the history page already holds it and its event comes after', () => {
    const query = c1At5({ lastSeq: 7, unreadCount: 2, lastMessage: m(7) });
    const state = run(
      start(c1At5()),
      loaded([query]),
      history('c1', [m(3), m(4), m(5), m(6), m(7)], true),
      ev(created(m(6))),
      ev(created(m(7))),
    );
    expect(seqs(state, 'c1')).toEqual([3, 4, 5, 6, 7]);
    expect(state.chats['c1']!.unreadCount).toBe(2);
  });

  it('does not let an older chats query overwrite a summary that already reflects later events', () => {
    const live = run(start(c1At5()), ev(created(m(6))), ev(created(m(7))));
    const stale = reduce(live, loaded([c1At5({ lastSeq: 6, unreadCount: 1, lastMessage: m(6) })]));
    expect(stale.chats['c1']!.lastSeq).toBe(7);
    expect(stale.chats['c1']!.unreadCount).toBe(2);
    expect(stale.chats['c1']!.lastMessage?.id).toBe('c1:m7');
  });

  it('a query at the same seq replaces the summary (e.g. read on another device)', () => {
    const live = run(start(c1At5()), ev(created(m(6))));
    expect(live.chats['c1']!.unreadCount).toBe(1);
    const read = reduce(live, loaded([c1At5({ lastSeq: 6, unreadCount: 0, lastMessage: m(6) })]));
    expect(read.chats['c1']!.unreadCount).toBe(0);
  });
});

describe('orphans (events of chats not loaded yet)', () => {
  const c2m = (seq: number) => message('c2', seq, carol);
  const c2 = (overrides: Partial<ChatFieldsFragment> = {}) =>
    chat('c2', {
      kind: 'GROUP',
      title: 'Team',
      memberCount: 3,
      lastSeq: 6,
      unreadCount: 4,
      lastMessage: c2m(6),
      members: [member(alice, 2), member(bob, 6), member(carol, 6)],
      ...overrides,
    });

  it('keeps them, and on chatsLoaded applies only those past the loaded lastSeq', () => {
    const withOrphans = run(start(c1At5()), ev(created(c2m(5))), ev(created(c2m(6))), ev(created(c2m(7))));
    expect(withOrphans.chats['c2']).toBeUndefined();
    expect(withOrphans.cursors['c2']).toBeUndefined();
    expect(withOrphans.orphans['c2']?.map((e) => e.seq)).toEqual([5, 6, 7]);

    const after = reduce(withOrphans, loaded([c2()]));
    expect(after.orphans['c2']).toBeUndefined();
    expect(after.chats['c2']!.unreadCount).toBe(5); // 4 from the query + 7; not 5 and 6 again
    expect(after.chats['c2']!.lastSeq).toBe(7);
    expect(after.chats['c2']!.lastMessage?.id).toBe('c2:m7');
    expect(after.cursors['c2']).toBe(7);
    expect(after.chats['c1']!.lastSeq).toBe(5);
  });

  it('drops all orphans the loaded chat already reflects', () => {
    const after = run(start(), ev(created(c2m(5))), ev(created(c2m(6))), loaded([c2()]));
    expect(after.orphans).toEqual({});
    expect(after.chats['c2']!.unreadCount).toBe(4);
    expect(after.cursors['c2']).toBe(6);
  });

  it('a RemovedFromChat of an unknown chat leaves no orphan', () => {
    const state = start(c1At5());
    const after = reduce(state, ev(removedFromChat('c2', 9)));
    expect(after).toBe(state);
    expect(after.orphans['c2']).toBeUndefined();
  });
});

describe('membership changes', () => {
  const group = (overrides: Partial<ChatFieldsFragment> = {}) =>
    chat('g1', {
      kind: 'GROUP',
      title: 'Team',
      memberCount: 2,
      lastSeq: 3,
      members: [member(alice, 3, 'OWNER'), member(bob, 3)],
      ...overrides,
    });

  it('ChatUpdated with a chat replaces the summary and makes the open pane reload members', () => {
    const state = run(start(group()), history('g1', []), {
      type: 'membersLoaded',
      chatId: 'g1',
      members: group().members,
    });
    expect(state.panes['g1']!.members).toHaveLength(2);

    const renamed = group({
      title: 'Team 2',
      memberCount: 3,
      lastSeq: 4,
      updatedAt: at(4),
      members: [member(alice, 3, 'OWNER'), member(bob, 3), member(carol, 0)],
    });
    const after = reduce(state, ev(chatUpdated('g1', 4, renamed)));
    expect(after.chats['g1']!.title).toBe('Team 2');
    expect(after.chats['g1']!.memberCount).toBe(3);
    expect(after.chats['g1']!.lastSeq).toBe(4);
    expect(after.panes['g1']!.members).toBeNull();
    expect(after.panes['g1']!.loaded).toBe(true);
    expect(after.cursors['g1']).toBe(4);
    expect(after.users['carol']?.profile?.displayName).toBe('Carol');
    expect(chatTitle(after.chats['g1']!, 'alice', after.users)).toBe('Team 2');
  });

  it('ChatUpdated without a chat moves the summary seq and still clears pane members', () => {
    const state = run(start(group()), { type: 'membersLoaded', chatId: 'g1', members: group().members });
    const after = reduce(state, ev(chatUpdated('g1', 4, null)));
    expect(after.chats['g1']!.title).toBe('Team');
    expect(after.chats['g1']!.lastSeq).toBe(4);
    expect(after.panes['g1']!.members).toBeNull();
  });

  it('ChatUpdated does not replace a summary with an older chat', () => {
    // The stream is at 3 but a later query put the summary at 6; the event at 4 carries the chat as of 4.
    const state = run(start(group()), loaded([group({ lastSeq: 6, title: 'Newest', unreadCount: 2 })]));
    expect(state.cursors['g1']).toBe(3);
    const after = reduce(state, ev(chatUpdated('g1', 4, group({ lastSeq: 4, title: 'Older' }))));
    expect(after.chats['g1']!.title).toBe('Newest');
    expect(after.chats['g1']!.lastSeq).toBe(6);
    expect(after.chats['g1']!.unreadCount).toBe(2);
    expect(after.cursors['g1']).toBe(4);
  });

  it('RemovedFromChat removes chat, pane, cursor and typing, and says so when the pane was open', () => {
    const state = run(start(c1At5(), group()), historyTo5, ev(typingEvent('c1', bob, true), 1_000), ev(created(m(6))));
    const after = reduce(state, ev(removedFromChat('c1', 7)));
    expect(after.chats['c1']).toBeUndefined();
    expect(after.panes['c1']).toBeUndefined();
    expect(after.cursors['c1']).toBeUndefined();
    expect(after.typing['c1']).toBeUndefined();
    expect(after.orphans['c1']).toBeUndefined();
    expect(after.closed).toEqual({ chatId: 'c1', title: 'Bob' });
    expect(resumeCursors(after)).toEqual([{ chatId: 'g1', afterSeq: 3 }]);
    expect(after.chats['g1']).toBeDefined();

    // A replay of the removal is ignored and leaves no orphan.
    const replayed = reduce(after, ev(removedFromChat('c1', 7)));
    expect(replayed).toBe(after);
    expect(replayed.orphans['c1']).toBeUndefined();
    // A stray later event does not bring the chat or its pane back.
    const stray = reduce(after, ev(created(m(8))));
    expect(stray.chats['c1']).toBeUndefined();
    expect(stray.panes['c1']).toBeUndefined();
    expect(stray.cursors['c1']).toBeUndefined();

    expect(reduce(after, { type: 'closedSeen' }).closed).toBeNull();
  });

  it('RemovedFromChat of a chat whose pane was never opened does not set closed', () => {
    const after = run(start(c1At5(), group()), ev(removedFromChat('g1', 4)));
    expect(after.chats['g1']).toBeUndefined();
    expect(after.closed).toBeNull();
    expect(Object.keys(after.chats)).toEqual(['c1']);
  });

  it('chatsLoaded with remove drops the listed chats after loading the others', () => {
    const state = run(start(c1At5(), group()), history('g1', []));
    const after = reduce(state, loaded([c1At5({ lastSeq: 6, lastMessage: m(6), unreadCount: 1 })], ['g1']));
    expect(Object.keys(after.chats)).toEqual(['c1']);
    expect(after.chats['c1']!.lastSeq).toBe(6);
    expect(after.cursors).toEqual({ c1: 5 });
    expect(after.panes['g1']).toBeUndefined();
    expect(after.closed).toEqual({ chatId: 'g1', title: 'Team' });
  });

  it('chatGone removes the chat like RemovedFromChat', () => {
    const after = run(start(c1At5(), group()), historyTo5, { type: 'chatGone', chatId: 'c1' });
    expect(after.chats['c1']).toBeUndefined();
    expect(after.cursors['c1']).toBeUndefined();
    expect(after.closed).toEqual({ chatId: 'c1', title: 'Bob' });
  });
});

describe('cursors and ordering', () => {
  it('resumeCursors reflects the last applied seq per chat', () => {
    const c2 = chat('c2', { lastSeq: 2 });
    const state = run(
      start(c1At5(), c2),
      ev(created(m(6))),
      ev(edited(7, { ...m(6), body: 'x' })),
      ev(created(message('c2', 3, bob))),
      ev(readReceipt('c1', 'bob', 7)), // live-only: no seq, no cursor move
    );
    const cursors = resumeCursors(state).sort((a, b) => a.chatId.localeCompare(b.chatId));
    expect(cursors).toEqual([
      { chatId: 'c1', afterSeq: 7 },
      { chatId: 'c2', afterSeq: 3 },
    ]);
  });

  it('a later chats query does not move the cursor', () => {
    const state = run(start(c1At5()), loaded([c1At5({ lastSeq: 9, lastMessage: m(9) })]));
    expect(resumeCursors(state)).toEqual([{ chatId: 'c1', afterSeq: 5 }]);
  });

  it('chatsByActivity orders by the newer of last message and update time, newest first', () => {
    const chats = {
      a: chat('a', { updatedAt: at(10), lastMessage: message('a', 1, bob, { createdAt: at(5) }) }),
      b: chat('b', { updatedAt: at(1), lastMessage: message('b', 1, bob, { createdAt: at(20) }) }),
      c: chat('c', { updatedAt: at(15), lastMessage: null }),
      d: chat('d', { updatedAt: at(2), lastMessage: null }),
    };
    expect(chatsByActivity(chats).map((c) => c.id)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('a new message moves its chat to the top', () => {
    const older = chat('older', { updatedAt: at(1) });
    const newer = chat('newer', { updatedAt: at(50) });
    const state = run(start(older, newer), ev(created(message('older', 1, bob, { createdAt: at(60) }))));
    expect(chatsByActivity(state.chats).map((c) => c.id)).toEqual(['older', 'newer']);
  });
});
