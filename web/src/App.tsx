// The dashboard shell: who is signed in (the sign-in page when nobody is), the theme (URL, else remembered), and
// the pages of shared/src/dashboard/appRoutes.ts: the runs list at /, a run at /runs/:id, and for operators the
// submit page and the audit view. Any other address is the not-found page (the server answers it with 404 too).
import { useEffect, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, NavLink, Route, Routes } from 'react-router';
import { APP_ROUTES, type AppPage } from '@trainboard/shared/dashboard/appRoutes';
import { onSignedOut } from './http.js';
import { LoginPage } from './auth/LoginPage.js';
import { loadSession, roleAtLeast, signOut, type Session } from './auth/session.js';
import { SessionContext } from './auth/SessionContext.js';
import { AuditPage } from './control/AuditPage.js';
import { SubmitPage } from './control/SubmitPage.js';
import { NotFoundPage } from './NotFoundPage.js';
import { RunRoute } from './RunRoute.js';
import { RunsList } from './RunsList.js';
import { useView, type SetView } from './useView.js';
import type { ViewState } from '@trainboard/shared/dashboard/viewState';

export function App() {
  const [view, setView] = useView();
  const [session, setSession] = useState<Session | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  // Signed out: nothing read for the last user stays in the cache for the next one.
  const signedOut = () => (queryClient.clear(), setSession({ kind: 'signed-out' }));
  useEffect(() => void (document.documentElement.dataset.theme = view.theme), [view.theme]);
  useEffect(() => {
    loadSession().then(setSession, (e: unknown) => setLoadError((e as Error).message));
    return onSignedOut(signedOut);
  }, []);

  const operator = session?.kind === 'signed-in' && roleAtLeast(session.user.role, 'operator');
  return (
    <SessionContext.Provider value={session ?? { kind: 'open' }}>
      <header className="top">
        <Link to="/" className="brand">
          Trainboard
        </Link>
        {operator && (
          <nav aria-label="main">
            <NavLink to="/" end>
              Runs
            </NavLink>
            <NavLink to="/submit">Submit</NavLink>
            <NavLink to="/audit">Audit</NavLink>
          </nav>
        )}
        {session?.kind === 'signed-in' && (
          <div className="who">
            <span data-testid="signed-in-as">
              {session.user.username} <span className="role">({session.user.role})</span>
            </span>
            <button type="button" onClick={() => void signOut().finally(signedOut)}>
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
          <Pages operator={operator} view={view} setView={setView} />
        )}
      </main>
    </SessionContext.Provider>
  );
}

function Pages({ operator, view, setView }: { operator: boolean; view: ViewState; setView: SetView }) {
  const forOperators = (page: ReactNode) =>
    operator ? page : <p>This page is for operators. Ask an admin for the operator role.</p>;
  const pages: Record<AppPage, ReactNode> = {
    runs: <RunsList />,
    run: <RunRoute view={view} setView={setView} />,
    submit: forOperators(<SubmitPage />),
    audit: forOperators(<AuditPage />),
  };
  return (
    <Routes>
      {APP_ROUTES.map((r) => (
        <Route key={r.page} path={r.path} element={pages[r.page]} />
      ))}
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
