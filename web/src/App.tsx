// The dashboard shell: who is signed in (the sign-in page when nobody is), theme from the URL, and the pages: the
// runs list at /, a run at /runs/:id, and for operators the submit page and the audit view.
import { useEffect, useState, type MouseEvent } from 'react';
import { onSignedOut } from './http.js';
import { LoginPage } from './auth/LoginPage.js';
import { loadSession, roleAtLeast, signOut, type Session } from './auth/session.js';
import { SessionContext } from './auth/SessionContext.js';
import { AuditPage } from './control/AuditPage.js';
import { SubmitPage } from './control/SubmitPage.js';
import { navigate, parseRoute, useLocation, useView, type Route } from './navigation.js';
import { RunPage } from './RunPage.js';
import { RunsList } from './RunsList.js';

export function App() {
  const loc = useLocation();
  const route = parseRoute(loc.pathname);
  const [view, setView] = useView(loc.search);
  const [session, setSession] = useState<Session | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => void (document.documentElement.dataset.theme = view.theme), [view.theme]);
  useEffect(() => {
    loadSession().then(setSession, (e: unknown) => setLoadError((e as Error).message));
    return onSignedOut(() => setSession({ kind: 'signed-out' }));
  }, []);

  const operator = session?.kind === 'signed-in' && roleAtLeast(session.user.role, 'operator');
  return (
    <SessionContext.Provider value={session ?? { kind: 'open' }}>
      <header className="top">
        <a href="/" className="brand" onClick={go('/')}>
          Trainboard
        </a>
        {operator && (
          <nav aria-label="main">
            <a href="/" onClick={go('/')} aria-current={route.page === 'runs' ? 'page' : undefined}>
              Runs
            </a>
            <a href="/submit" onClick={go('/submit')} aria-current={route.page === 'submit' ? 'page' : undefined}>
              Submit
            </a>
            <a href="/audit" onClick={go('/audit')} aria-current={route.page === 'audit' ? 'page' : undefined}>
              Audit
            </a>
          </nav>
        )}
        {session?.kind === 'signed-in' && (
          <div className="who">
            <span data-testid="signed-in-as">
              {session.user.username} <span className="role">({session.user.role})</span>
            </span>
            <button type="button" onClick={() => void signOut().finally(() => setSession({ kind: 'signed-out' }))}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main>
        {session === null ? (
          <p role="status">{loadError ? `The server did not answer: ${loadError}` : 'loading…'}</p>
        ) : session.kind === 'signed-out' ? (
          <LoginPage onSignedIn={setSession} />
        ) : (
          <Page route={route} operator={operator} view={view} setView={setView} />
        )}
      </main>
    </SessionContext.Provider>
  );
}

function Page({
  route,
  operator,
  view,
  setView,
}: {
  route: Route;
  operator: boolean;
  view: ReturnType<typeof useView>[0];
  setView: ReturnType<typeof useView>[1];
}) {
  if (route.page === 'run') return <RunPage key={route.runId} runId={route.runId} view={view} setView={setView} />;
  if ((route.page === 'submit' || route.page === 'audit') && !operator)
    return <p>This page is for operators. Ask an admin for the operator role.</p>;
  if (route.page === 'submit') return <SubmitPage />;
  if (route.page === 'audit') return <AuditPage />;
  return <RunsList />;
}

const go = (to: string) => (e: MouseEvent) => (e.preventDefault(), navigate(to));
