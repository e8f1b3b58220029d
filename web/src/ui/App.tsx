import { useEffect, useMemo, useState } from 'react';
import { Provider, type Client } from 'urql';
import { LogoutMutation, MeQuery } from '../api/operations';
import { graphqlFetch } from '../api/graphql-fetch';
import { refreshMargin, type SessionManager, type StoredSession } from '../auth/session';
import { createMessenger } from '../state/messenger';
import { AuthScreen } from './AuthScreen';
import { ServicesContext, type AppServices } from './context';
import { Shell } from './Shell';

const SIGNED_OUT_NOTICE = 'You were signed out on this device. Please sign in again.';

export function App({ api, session, wsUrl }: { api: Client; session: SessionManager; wsUrl: string }) {
  const [user, setUser] = useState(() => session.current()?.user ?? null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(
    () =>
      session.onChange((current, reason) => {
        // A refreshed token keeps the same user: only a change of user restarts the app.
        setUser((previous) => (previous?.id === current?.user.id ? previous : (current?.user ?? null)));
        if (!current) setNotice(reason === 'expired' ? SIGNED_OUT_NOTICE : null);
      }),
    [session],
  );

  return (
    <Provider value={api}>
      {user ? (
        <SignedIn key={user.id} api={api} session={session} wsUrl={wsUrl} />
      ) : (
        <AuthScreen api={api} session={session} notice={notice} />
      )}
    </Provider>
  );
}

/** Refreshes the access token a little before it expires, in whichever tab gets there first. */
function useProactiveRefresh(session: SessionManager) {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const refresh = () =>
      void session.accessToken().then(
        () => (failures = 0),
        () => {
          // Unreachable server: try again with growing pauses, not in a loop (the `online` event
          // and the next request try sooner).
          failures++;
          clearTimeout(timer);
          const pause = Math.min(30_000, 1_000 * 2 ** failures);
          timer = setTimeout(refresh, pause / 2 + Math.random() * (pause / 2));
        },
      );
    const schedule = (current: StoredSession | null) => {
      clearTimeout(timer);
      if (!current) return;
      // Spread over the last part of the margin, so that tabs rarely even contend for the lock.
      const margin = refreshMargin(current);
      const at = current.accessExpiresAt - margin + Math.random() * (margin / 3);
      timer = setTimeout(refresh, Math.max(0, at - Date.now()));
    };
    schedule(session.current());
    const stop = session.onChange((current) => schedule(current));
    // A laptop waking up (timers did not run while it slept), or the network coming back.
    const wake = () => document.visibilityState === 'visible' && refresh();
    document.addEventListener('visibilitychange', wake);
    window.addEventListener('online', wake);
    return () => {
      clearTimeout(timer);
      stop();
      document.removeEventListener('visibilitychange', wake);
      window.removeEventListener('online', wake);
    };
  }, [session]);
}

function SignedIn({ api, session, wsUrl }: { api: Client; session: SessionManager; wsUrl: string }) {
  const messenger = useMemo(() => createMessenger(api, session, wsUrl), [api, session, wsUrl]);
  useProactiveRefresh(session);

  useEffect(() => {
    const me = session.current()?.user;
    if (!me) return;
    void messenger.start(me);
    // The stored user may be stale (a profile changed elsewhere); the server has the newest.
    void api
      .query(MeQuery, {})
      .toPromise()
      .then((result) => {
        if (result.data) messenger.store.dispatch({ type: 'userUpdated', user: result.data.me });
      });
    return () => messenger.stop();
  }, [api, messenger, session]);

  const services = useMemo<AppServices>(
    () => ({
      messenger,
      session,
      async signOut() {
        // This browser forgets the session at once, even when the server cannot be reached; the
        // server is then told with the token this tab still held.
        const token = session.current()?.accessToken;
        session.signOut('logout');
        if (token) await graphqlFetch(LogoutMutation, {}, { token }).catch(() => undefined);
      },
    }),
    [api, messenger, session],
  );

  return (
    <ServicesContext.Provider value={services}>
      <Shell />
    </ServicesContext.Provider>
  );
}
