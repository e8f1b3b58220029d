import { describe, expect, it } from 'vitest';
import { chatTitle, nameOf } from './display';
import { reduce } from './reducer';
import { user, alice, bob, member, chat, typingEvent, userUpdatedEvent, ev, start, m, c1At5 } from './test-fixtures';

describe('users', () => {
  it('UserUpdated changes nameOf and the title of a direct chat', () => {
    const state = start(c1At5());
    expect(nameOf(bob, state.users)).toBe('Bob');
    expect(chatTitle(state.chats['c1']!, 'alice', state.users)).toBe('Bob');

    const after = reduce(state, ev(userUpdatedEvent(user('bob', 'Robert'))));
    // The stale copy inside a message still resolves to the new name.
    expect(nameOf(m(5).sender, after.users)).toBe('Robert');
    expect(chatTitle(after.chats['c1']!, 'alice', after.users)).toBe('Robert');
    expect(after.me?.profile?.displayName).toBe('Alice');
  });

  it('UserUpdated of myself updates me', () => {
    const after = reduce(start(c1At5()), ev(userUpdatedEvent(user('alice', 'Ally'))));
    expect(after.me?.profile?.displayName).toBe('Ally');
    expect(nameOf(alice, after.users)).toBe('Ally');
    // In the direct chat the title is still the other member.
    expect(chatTitle(after.chats['c1']!, 'alice', after.users)).toBe('Bob');
  });

  it('nameOf falls back to the username; chatTitle to the group title or a default', () => {
    expect(nameOf(user('dave', null), {})).toBe('dave');
    expect(chatTitle(chat('g', { kind: 'GROUP', title: null }), 'alice', {})).toBe('Group');
    expect(chatTitle(chat('d', { members: [member(alice)] }), 'alice', {})).toBe('Direct chat');
  });

  it('a user without a loaded profile does not overwrite a known profile', () => {
    const withBob = start(c1At5());
    const after = reduce(withBob, ev(typingEvent('c1', user('bob', null), true), 0));
    expect(nameOf(bob, after.users)).toBe('Bob');
  });
});
