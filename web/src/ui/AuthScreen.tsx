import { useState, type FormEvent } from 'react';
import type { Client } from '@urql/core';
import { LoginMutation, RegisterMutation } from '../api/operations';
import { friendlyError } from '../api/errors';
import type { SessionManager } from '../auth/session';
import { Alert } from './Alert';

type Mode = 'login' | 'register';

/** Sign in, or create an account; `notice` says why the user is here (e.g. signed out elsewhere). */
export function AuthScreen({ api, session, notice }: { api: Client; session: SessionManager; notice: string | null }) {
  const [mode, setMode] = useState<Mode>('login');
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; field: string | null } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result =
      mode === 'login'
        ? await api.mutation(LoginMutation, { input: { email, password } }).toPromise()
        : await api.mutation(RegisterMutation, { input: { email, username, password } }).toPromise();
    setBusy(false);
    const payload = result.data && ('login' in result.data ? result.data.login : result.data.register);
    if (payload) {
      session.signIn(payload);
      return;
    }
    // One message for an unknown email and a wrong password: the server does not say which.
    setError(friendlyError(result.error, { UNAUTHENTICATED: 'Wrong email or password.' }));
  }

  const switchTo = (next: Mode) => {
    setMode(next);
    setError(null);
  };
  const invalid = (field: string) => (error?.field === field ? true : undefined);

  return (
    <main className="auth">
      <h1>Messenger</h1>
      <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="auth-title" noValidate>
        <h2 id="auth-title">{mode === 'login' ? 'Sign in' : 'Create your account'}</h2>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label>
          Email
          <input
            type="email"
            autoComplete="email"
            required
            value={email}
            aria-invalid={invalid('email')}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        {mode === 'register' && (
          <label>
            Username
            <input
              autoComplete="username"
              required
              minLength={3}
              maxLength={32}
              value={username}
              aria-invalid={invalid('username')}
              aria-describedby="username-hint"
              onChange={(e) => setUsername(e.target.value)}
            />
            <small id="username-hint">3–32 letters, digits or _</small>
          </label>
        )}
        <label>
          Password
          <input
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 8 : undefined}
            value={password}
            aria-invalid={invalid('password')}
            onChange={(e) => setPassword(e.target.value)}
          />
          {mode === 'register' && <small>At least 8 characters</small>}
        </label>
        <Alert message={error?.message} />
        <button type="submit" className="primary" disabled={busy}>
          {mode === 'login' ? 'Sign in' : 'Create account'}
        </button>
        <p className="switch">
          {mode === 'login' ? (
            <>
              New here?{' '}
              <button type="button" className="link" onClick={() => switchTo('register')}>
                Create an account
              </button>
            </>
          ) : (
            <>
              Have an account?{' '}
              <button type="button" className="link" onClick={() => switchTo('login')}>
                Sign in instead
              </button>
            </>
          )}
        </p>
      </form>
    </main>
  );
}
