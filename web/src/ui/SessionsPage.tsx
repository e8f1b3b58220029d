import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { RevokeSessionMutation, SessionsQuery } from '../api/operations';
import { friendlyError } from '../api/errors';
import { useServices } from './context';
import { deviceName, fullTime } from './format';
import { Alert } from './Alert';

/** The devices signed in to this account; any of them can be signed out from here. */
export function SessionsPage() {
  const { signOut } = useServices();
  const [{ data, error, fetching }, refetch] = useQuery({ query: SessionsQuery });
  const [, revoke] = useMutation(RevokeSessionMutation);
  const [failure, setFailure] = useState<string | null>(null);

  async function revokeOne(id: string) {
    const result = await revoke({ id });
    setFailure(result.error ? friendlyError(result.error).message : null);
    refetch({ requestPolicy: 'network-only' });
  }

  return (
    <main className="page">
      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Devices</h2>
        <p className="muted">Everywhere you are signed in. Signing a device out ends its session at once.</p>
        <Alert message={error ? friendlyError(error).message : null} />
        <Alert message={failure} />
        {fetching && !data && <p className="muted">Loading…</p>}
        <ul className="sessions">
          {data?.sessions.map((session) => (
            <li key={session.id} data-testid="session" data-current={session.current}>
              <div>
                <strong>{deviceName(session.userAgent)}</strong>
                {session.current && <span className="role">This device</span>}
                <p className="muted">
                  Signed in {fullTime(session.createdAt)} · last active {fullTime(session.lastUsedAt)}
                </p>
              </div>
              {session.current ? (
                <button type="button" onClick={() => void signOut()}>
                  Sign out
                </button>
              ) : (
                <button type="button" className="danger" onClick={() => void revokeOne(session.id)}>
                  Sign out device
                </button>
              )}
            </li>
          ))}
        </ul>
        <a href="#/">Back to chats</a>
      </section>
    </main>
  );
}
