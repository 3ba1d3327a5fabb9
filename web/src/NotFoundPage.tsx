// What an address that leads nowhere shows: an unknown page, or a run that does not exist (the server said 404).
// Says which, and offers the way back to the runs list; draws no run controls.
import { useEffect } from 'react';
import { Link } from 'react-router';
import './NotFoundPage.css';

export function NotFoundPage({ runId }: { runId?: number }) {
  const title = runId === undefined ? 'Page not found' : `Run ${runId} not found`;
  useEffect(() => void (document.title = `${title} · Trainboard`), [title]);
  return (
    <section className="not-found" aria-labelledby="not-found-title" data-testid="not-found">
      <h1 id="not-found-title">{title}</h1>
      <p>
        {runId === undefined
          ? 'There is no page at this address.'
          : 'No run has this id: it may have been deleted, or the link is mistyped.'}
      </p>
      <p>
        <Link to="/">See all runs</Link>
      </p>
    </section>
  );
}
