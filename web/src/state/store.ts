// The store the UI reads: the state, changed only by dispatching actions through the reducer
// (reducer.ts), and the listeners told of each change.
import { initialState, type State } from './model';
import { reduce, type Action } from './reducer';

export interface Store {
  get: () => State;
  dispatch: (action: Action) => void;
  subscribe: (listener: () => void) => () => void;
}

export function createStore(): Store {
  let state = initialState;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    dispatch(action) {
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
