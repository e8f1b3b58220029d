import { useState, type FormEvent } from 'react';
import { useClient } from 'urql';
import { UpdateProfileMutation } from '../api/operations';
import { friendlyError } from '../api/errors';
import { useAppState, useServices } from './context';
import { Avatar } from './Avatar';
import { Alert } from './Alert';

/** Display name, bio and avatar URL. A field left empty goes back to its default. */
export function ProfilePage() {
  const api = useClient();
  const { messenger } = useServices();
  const me = useAppState((s) => (s.me ? (s.users[s.me.id] ?? s.me) : null));
  const [displayName, setDisplayName] = useState(me?.profile?.displayName ?? '');
  const [bio, setBio] = useState(me?.profile?.bio ?? '');
  const [avatarUrl, setAvatarUrl] = useState(me?.profile?.avatarUrl ?? '');
  const [status, setStatus] = useState<{ error: string | null; field: string | null; saved: boolean }>({
    error: null,
    field: null,
    saved: false,
  });
  const [busy, setBusy] = useState(false);
  if (!me) return null;

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const result = await api
      .mutation(UpdateProfileMutation, {
        input: {
          displayName: displayName.trim() || null,
          bio: bio.trim() || null,
          avatarUrl: avatarUrl.trim() || null,
        },
      })
      .toPromise();
    setBusy(false);
    const user = result.data?.updateProfile;
    if (!user) {
      const friendly = friendlyError(result.error);
      return setStatus({ error: friendly.message, field: friendly.field, saved: false });
    }
    messenger.store.dispatch({ type: 'userUpdated', user });
    setDisplayName(user.profile?.displayName ?? '');
    setBio(user.profile?.bio ?? '');
    setAvatarUrl(user.profile?.avatarUrl ?? '');
    setStatus({ error: null, field: null, saved: true });
  }

  const invalid = (field: string) => (status.field === field ? true : undefined);
  return (
    <main className="page">
      <form className="card" onSubmit={(e) => void save(e)} aria-labelledby="profile-title">
        <h2 id="profile-title">Your profile</h2>
        <div className="row">
          <Avatar user={me} size={64} />
          <div>
            <strong>@{me.username}</strong>
          </div>
        </div>
        <label>
          Display name
          <input
            value={displayName}
            maxLength={64}
            placeholder={me.username}
            aria-invalid={invalid('displayName')}
            onChange={(e) => setDisplayName(e.target.value)}
          />
        </label>
        <label>
          Bio
          <textarea
            value={bio}
            maxLength={500}
            rows={3}
            aria-invalid={invalid('bio')}
            onChange={(e) => setBio(e.target.value)}
          />
        </label>
        <label>
          Avatar URL
          <input
            type="url"
            value={avatarUrl}
            placeholder="https://…"
            aria-invalid={invalid('avatarUrl')}
            onChange={(e) => setAvatarUrl(e.target.value)}
          />
        </label>
        <Alert message={status.error} />
        {status.saved && (
          <p className="notice" role="status">
            Saved.
          </p>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
          <a href="#/">Back to chats</a>
        </div>
      </form>
    </main>
  );
}
