// The run's Slurm jobs on one time axis (queued hatched, running coloured by final state) above a table with each
// job's state, times, duration, nodes and why it ended: a night of crashes and resubmissions reads at a glance.
import { formatDuration } from '@trainboard/shared/dashboard/format';
import { layoutJobTimeline } from '@trainboard/shared/dashboard/jobs';
import type { ReactNode } from 'react';
import type { Job } from './api.js';

const when = (ms: number | null) =>
  ms === null
    ? '—'
    : new Date(ms).toLocaleString([], {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
const span = ([a, b]: [number, number]) => ({
  left: `${(a * 100).toFixed(3)}%`,
  width: `max(2px, ${((b - a) * 100).toFixed(3)}%)`,
});

export function JobsTimeline({
  jobs,
  nowMs,
  rowActions,
}: {
  jobs: Job[];
  nowMs: number;
  /** An operator's buttons for a job's row; absent for viewers (no column at all). */
  rowActions?: (job: Job) => ReactNode;
}) {
  if (jobs.length === 0)
    return (
      <p className="hint" data-testid="jobs">
        No Slurm job of this run is known (an imported log, or nothing submitted yet).
      </p>
    );
  const timeline = layoutJobTimeline(jobs, nowMs);
  return (
    <section className="jobs">
      {timeline && (
        <div className="timeline" data-testid="jobs-timeline">
          {timeline.bars.map((b) => (
            <div className="timeline-row" key={b.jobId}>
              <span className="timeline-label">{b.jobId}</span>
              <div className="timeline-track">
                {b.queued && <div className="timeline-queued" style={span(b.queued)} title={`job ${b.jobId} queued`} />}
                {b.running && (
                  <div
                    className={`timeline-running state-${b.state.toLowerCase()}`}
                    style={span(b.running)}
                    title={`job ${b.jobId} ${b.state}`}
                  />
                )}
              </div>
            </div>
          ))}
          <div className="timeline-axis">
            <span>{when(timeline.startMs)}</span>
            <span>{when(timeline.endMs)}</span>
          </div>
        </div>
      )}
      <div className="table-scroll">
        <table data-testid="jobs">
          <thead>
            <tr>
              <th>job</th>
              <th>state</th>
              <th>submitted</th>
              <th>started</th>
              <th>duration</th>
              <th>nodes</th>
              <th>exit</th>
              <th>why it ended</th>
              {rowActions && <th>actions</th>}
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.jobId}>
                <td>{j.jobId}</td>
                <td className={`state-${j.state.toLowerCase()}`}>{j.state}</td>
                <td>{when(j.submittedAt)}</td>
                <td>{when(j.startedAt)}</td>
                <td>{j.startedAt ? formatDuration((j.endedAt ?? nowMs) - j.startedAt) : '—'}</td>
                <td>{j.nodeList ?? '—'}</td>
                <td>{j.exitCode ?? ''}</td>
                <td data-testid={`exit-reason-${j.jobId}`}>{j.end?.text ?? j.exitReason ?? ''}</td>
                {rowActions && <td className="row-actions">{rowActions(j)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
