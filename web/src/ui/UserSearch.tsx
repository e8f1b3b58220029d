import { useEffect, useId, useState } from 'react';
import { useClient } from 'urql';
import { SearchUsersQuery } from '../api/operations';
import { friendlyError } from '../api/errors';
import type { User } from '../state/model';
import { useAppState } from './context';
import { Avatar } from './Avatar';
import { Alert } from './Alert';

const DEBOUNCE_MS = 250;

/** Finds users by username or display name prefix; `onPick` gets the chosen one. */
export function UserSearch({
  label,
  onPick,
  exclude = [],
  actionLabel,
}: {
  label: string;
  onPick: (user: User) => void;
  exclude?: string[];
  actionLabel: string;
}) {
  const api = useClient();
  const me = useAppState((s) => s.me);
  const id = useId();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const text = query.trim();
    if (!text) {
      setResults(null);
      setError(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      void api
        .query(SearchUsersQuery, { query: text.slice(0, 64) })
        .toPromise()
        .then((result) => {
          if (!current) return;
          if (result.data) {
            setResults(result.data.searchUsers);
            setError(null);
          } else setError(friendlyError(result.error).message);
        });
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, query]);

  const shown = results?.filter((user) => user.id !== me?.id && !exclude.includes(user.id)) ?? null;

  return (
    <div className="user-search">
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input
        id={id}
        type="search"
        placeholder={label}
        value={query}
        autoComplete="off"
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && setQuery('')}
      />
      <Alert message={error} />
      {shown && (
        <ul className="search-results" aria-label={`${label}: results`}>
          {shown.length === 0 && <li className="muted">Nobody found.</li>}
          {shown.map((user) => (
            <li key={user.id}>
              <button
                type="button"
                onClick={() => {
                  onPick(user);
                  setQuery('');
                }}
                aria-label={`${actionLabel} ${user.profile?.displayName || user.username} (@${user.username})`}
              >
                <Avatar user={user} size={28} />
                <span className="name">{user.profile?.displayName || user.username}</span>
                <span className="muted">@{user.username}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
