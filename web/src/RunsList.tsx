// Every run with its health, state, progress, current loss, TFLOPs and last update, re-read every second.
import { formatAgo, formatValue } from '@trainboard/shared/dashboard/format';
import { Link } from 'react-router';
import { runPath } from '@trainboard/shared/dashboard/appRoutes';
import { useRunSummaries } from './data/runQueries.js';
import { ConnectionBanner } from './health/HealthBanner.js';
import { HealthCell } from './health/HealthCell.js';
import { useQueryConnection } from './health/useQueryConnection.js';

export function RunsList() {
  const summaries = useRunSummaries();
  const { data, error } = summaries;
  const connection = useQueryConnection(summaries);
  // The server being away is said first, whatever else the page can show (even before its first answer).
  const banner = connection.lostAtMs !== null && <ConnectionBanner lostAtMs={connection.lostAtMs} />;
  if (!data)
    return (
      <>
        {banner}
        <p>{(!banner && error?.message) || 'loading…'}</p>
      </>
    );
  if (data.runs.length === 0)
    return (
      <>
        {banner}
        <p>
          No runs yet. Start one with <code>npm run demo</code> or import a log with <code>npx trainboard import</code>.
        </p>
      </>
    );
  return (
    <>
      {banner}
      <h1 className="page-title">Runs</h1>
      <table className="runs stacked" data-testid="runs">
        <thead>
          <tr>
            <th>run</th>
            <th>health</th>
            <th>state</th>
            <th>progress</th>
            <th>loss</th>
            <th>TFLOPs</th>
            <th>last update</th>
          </tr>
        </thead>
        <tbody>
          {data.runs.map((r) => {
            const fraction = r.iteration !== null && r.trainIters ? r.iteration / r.trainIters : 0;
            return (
              <tr key={r.id}>
                <td data-label="run">
                  <Link to={runPath(r.id)}>{r.name}</Link>
                </td>
                <td data-label="health">
                  <HealthCell health={r.health} stale={!connection.connected} />
                </td>
                <td data-label="state">
                  <span className={`state state-${r.state}`}>{r.state}</span>
                </td>
                <td data-label="progress">
                  <div className="progress small">
                    <div style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
                  </div>{' '}
                  {r.iteration ?? 0} / {r.trainIters ?? '?'}
                </td>
                <td data-label="loss">{formatValue(r.lmLoss)}</td>
                <td data-label="TFLOPs">{formatValue(r.tflops)}</td>
                <td data-label="last update">{formatAgo(r.lastUpdateMs, data.now)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
