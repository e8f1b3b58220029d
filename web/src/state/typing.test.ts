import { describe, expect, it } from 'vitest';
import { reduce } from './reducer';
import { TYPING_SHOWN_MS } from './typing';
import { alice, bob, carol, member, message, chat, created, typingEvent, ev, run, start, c1At5 } from './test-fixtures';

describe('typing', () => {
  it('shows a typing user until the indicator expires or says false', () => {
    const state = run(start(c1At5()), ev(typingEvent('c1', bob, true), 10_000));
    expect(state.typing['c1']).toEqual({ bob: 10_000 + TYPING_SHOWN_MS });

    const early = reduce(state, { type: 'typingExpired', now: 10_000 + TYPING_SHOWN_MS - 1 });
    expect(early).toBe(state);
    const expired = reduce(state, { type: 'typingExpired', now: 10_000 + TYPING_SHOWN_MS });
    expect(expired.typing['c1']).toEqual({});

    const refreshed = reduce(state, ev(typingEvent('c1', bob, true), 14_000));
    expect(refreshed.typing['c1']).toEqual({ bob: 14_000 + TYPING_SHOWN_MS });
    const stillThere = reduce(refreshed, { type: 'typingExpired', now: 10_000 + TYPING_SHOWN_MS });
    expect(stillThere.typing['c1']).toEqual({ bob: 14_000 + TYPING_SHOWN_MS });

    const stopped = reduce(state, ev(typingEvent('c1', bob, false), 11_000));
    expect(stopped.typing['c1']).toEqual({});
  });

  it('a message from the typing user ends their indicator, not others', () => {
    const group = chat('g1', { kind: 'GROUP', title: 'T', members: [member(alice), member(bob), member(carol)] });
    const state = run(start(group), ev(typingEvent('g1', bob, true), 0), ev(typingEvent('g1', carol, true), 0));
    const after = reduce(state, ev(created(message('g1', 1, bob))));
    expect(Object.keys(after.typing['g1']!)).toEqual(['carol']);
  });
});
