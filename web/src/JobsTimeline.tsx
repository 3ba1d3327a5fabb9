// The run's Slurm jobs on one time axis (queued hatched, running coloured and patterned by final state, the state in
// words) above a table with each job's state, times, duration, nodes and why it ended: a night of crashes and
// resubmissions reads at a glance. On a phone the table stacks into one card per job (styles.css table.stacked).
import { formatDuration } from '@trainboard/shared/dashboard/format';
import { layoutJobTimeline } from '@trainboard/shared/dashboard/jobs';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import type { ReactNode } from 'react';
import type { Job } from './api.js';
import { incidentKindWord, severityOf } from './incidents/incidentView.js';

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

/** The jobs on one axis: queued hatched, running by final state, each row ending in its state in words. */
function Timeline({ jobs, nowMs, incidents }: { jobs: Job[]; nowMs: number; incidents: readonly StoredIncident[] }) {
  const timeline = layoutJobTimeline(jobs, nowMs);
  if (!timeline) return null;
  const spanMs = Math.max(1, timeline.endMs - timeline.startMs);
  const inRange = incidents.filter((i) => i.openedAtMs >= timeline.startMs && i.openedAtMs <= timeline.endMs);
  return (
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
          <span className="timeline-state">{b.state.toLowerCase().replaceAll('_', ' ')}</span>
        </div>
      ))}
      {inRange.length > 0 && <IncidentTrack incidents={inRange} startMs={timeline.startMs} spanMs={spanMs} />}
      <div className="timeline-axis">
        <span>{when(timeline.startMs)}</span>
        <span>{when(timeline.endMs)}</span>
      </div>
    </div>
  );
}

/** The incidents on the jobs' time axis: a flag each where it opened, named for screen readers and on hover. */
function IncidentTrack(p: { incidents: readonly StoredIncident[]; startMs: number; spanMs: number }) {
  return (
    <div className="timeline-row" data-testid="timeline-incidents">
      <span className="timeline-label">incidents</span>
      <ul className="timeline-track" aria-label="incidents on the timeline">
        {p.incidents.map((i) => {
          const words = `${severityOf(i.severity).word} ${incidentKindWord(i)} at ${when(i.openedAtMs)}: ${i.title}`;
          return (
            <li
              key={i.id}
              className="timeline-incident"
              style={{ left: `${(((i.openedAtMs - p.startMs) / p.spanMs) * 100).toFixed(3)}%` }}
              title={words}
            >
              <span aria-hidden="true">⚑</span>
              <span className="visually-hidden">{words}</span>
            </li>
          );
        })}
      </ul>
      <span className="timeline-state">{p.incidents.length} flagged</span>
    </div>
  );
}

export function JobsTimeline({
  jobs,
  nowMs,
  rowActions,
  incidents = [],
}: {
  jobs: Job[];
  nowMs: number;
  /** The run's incidents, flagged on the time axis. */
  incidents?: readonly StoredIncident[];
  /** An operator's buttons for a job's row; absent for viewers (no column at all). */
  rowActions?: (job: Job) => ReactNode;
}) {
  if (jobs.length === 0)
    return (
      <p className="hint" data-testid="jobs">
        No job of this run is known (an imported log, or nothing submitted yet).
      </p>
    );
  return (
    <section className="jobs">
      <Timeline jobs={jobs} nowMs={nowMs} incidents={incidents} />
      <div className="table-scroll">
        <table className="stacked" data-testid="jobs">
          <thead>
            <tr>
              <th scope="col">job</th>
              <th scope="col">state</th>
              <th scope="col">submitted</th>
              <th scope="col">started</th>
              <th scope="col">duration</th>
              <th scope="col">nodes</th>
              <th scope="col">exit</th>
              <th scope="col">why it ended</th>
              {rowActions && <th scope="col">actions</th>}
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.jobId}>
                <td data-label="job">{j.jobId}</td>
                <td data-label="state" className={`state-${j.state.toLowerCase()}`}>
                  {j.state}
                </td>
                <td data-label="submitted">{when(j.submittedAt)}</td>
                <td data-label="started">{when(j.startedAt)}</td>
                <td data-label="duration">{j.startedAt ? formatDuration((j.endedAt ?? nowMs) - j.startedAt) : '—'}</td>
                <td data-label="nodes">{j.nodeList ?? '—'}</td>
                <td data-label="exit">{j.exitCode ?? ''}</td>
                <td data-label="why it ended" data-testid={`exit-reason-${j.jobId}`}>
                  {j.end?.text ?? j.exitReason ?? ''}
                </td>
                {rowActions && (
                  <td data-label="actions" className="row-actions">
                    {rowActions(j)}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
