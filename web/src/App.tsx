// The dashboard shell: theme from the URL, the runs list at / and a run at /runs/:id.
import { useEffect } from 'react';
import { parseRoute, useLocation, useView } from './navigation.js';
import { RunPage } from './RunPage.js';
import { RunsList } from './RunsList.js';

export function App() {
  const loc = useLocation();
  const route = parseRoute(loc.pathname);
  const [view, setView] = useView(loc.search);
  useEffect(() => void (document.documentElement.dataset.theme = view.theme), [view.theme]);
  return (
    <main>
      <header className="top">
        <a href="/" className="brand">
          Trainboard
        </a>
      </header>
      {route.page === 'run' ? (
        <RunPage key={route.runId} runId={route.runId} view={view} setView={setView} />
      ) : (
        <RunsList />
      )}
    </main>
  );
}
