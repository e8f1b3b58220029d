import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Messenger } from '../state/messenger';
import type { SessionManager } from '../auth/session';
import type { State } from '../state/model';

export interface AppServices {
  messenger: Messenger;
  session: SessionManager;
  signOut: () => Promise<void>;
}

export const ServicesContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside a signed-in app');
  return services;
}

/** A slice of the client state; the component renders again when it changes. */
export function useAppState<T>(select: (state: State) => T): T {
  const { messenger } = useServices();
  return useSyncExternalStore(messenger.store.subscribe, () => select(messenger.store.get()));
}
