import { describe, expect, it } from 'vitest';
import { initialState } from './model';
import { reduce } from './reducer';
import { bob, run, start, c1At5, historyTo5 } from './test-fixtures';

describe('session', () => {
  it('signedIn starts clean with me known; signedOut forgets everything', () => {
    const state = run(start(c1At5()), historyTo5, { type: 'signedOut' });
    expect(state).toBe(initialState);
    const again = reduce(state, { type: 'signedIn', me: bob });
    expect(again.me?.id).toBe('bob');
    expect(again.users).toEqual({ bob });
    expect(again.chats).toEqual({});
  });

  it('status changes only when it differs', () => {
    const state = start();
    expect(reduce(state, { type: 'status', status: 'connecting' })).toBe(state);
    expect(reduce(state, { type: 'status', status: 'online' }).status).toBe('online');
  });
});
