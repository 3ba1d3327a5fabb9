// The sign-in form: labelled inputs, the browser's own password handling (autocomplete), and a failure said in words
// in an alert region, with the focus moved back to the user name.
import { useRef, useState, type FormEvent } from 'react';
import { signIn, signInErrorText, type Session } from './session.js';

export function LoginPage({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError('Enter your user name and your password.');
      return;
    }
    setBusy(true);
    setError(null);
    signIn(username.trim(), password)
      .then((s) => {
        if (s.kind === 'signed-in') onSignedIn(s);
        else setError('The server accepted the password but did not keep the session. Are cookies blocked?');
      })
      .catch((err: unknown) => {
        setError(signInErrorText(err));
        setPassword('');
        nameRef.current?.focus();
      })
      .finally(() => setBusy(false));
  };

  return (
    <section className="login" aria-labelledby="login-title">
      <h1 id="login-title">Sign in to Trainboard</h1>
      <form onSubmit={submit} noValidate>
        <label htmlFor="login-username">User name</label>
        <input
          id="login-username"
          ref={nameRef}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          aria-invalid={error !== null}
          aria-describedby={error ? 'login-error' : undefined}
        />
        <label htmlFor="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={error !== null}
          aria-describedby={error ? 'login-error' : undefined}
        />
        {error && (
          <p id="login-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="hint">
        Accounts are made by an admin: <code>npx trainboard user add NAME --role operator</code>.
      </p>
    </section>
  );
}
