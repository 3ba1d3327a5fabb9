// First on the run page: the run's health in words. What happened, on which node, the last iteration, the work lost
// since the last checkpoint, what Trainboard did and what a person can do next. The severity is carried by the
// icon and the words as well as the colour; a change of state is announced (an alert for a problem, a status
// otherwise).
import type { RunHealth } from '@trainboard/shared/dashboard/runHealth';
import { healthWord, severityIcon } from './healthWords.js';
import { clockTime } from './serverClock.js';
import './HealthBanner.css';

/** The banner while the server cannot be reached: since when, and that the page keeps trying. */
export function ConnectionBanner({ lostAtMs, asOfMs }: { lostAtMs: number; asOfMs?: number | null }) {
  return (
    <div className="health-banner severity-critical" role="alert" data-testid="connection-banner">
      <span className="health-icon" aria-hidden="true">
        ⚠
      </span>
      <div className="health-text">
        <p className="health-headline">
          <strong>Can&apos;t reach the server</strong> since {clockTime(lostAtMs)} — retrying
        </p>
        <p className="health-line">
          Everything below is as of {clockTime(asOfMs ?? lostAtMs)} and is not updating; the page recovers by itself
          when the server is back.
        </p>
      </div>
    </div>
  );
}

/** The facts of `health` as sentences, when the model gave no lines of its own. */
function factLines(h: RunHealth): string[] {
  const lines: string[] = [];
  if (h.node) lines.push(`Node: ${h.node}.`);
  if (h.lastIteration !== null) lines.push(`Last iteration: ${h.lastIteration}.`);
  if (h.lostIterations !== null) lines.push(`Work lost since the last checkpoint: ${h.lostIterations} iterations.`);
  if (h.didWhat) lines.push(`Trainboard ${h.didWhat}.`);
  if (h.next) lines.push(`Next: ${h.next}`);
  return lines;
}

export function HealthBanner({ health }: { health: RunHealth }) {
  const good = health.severity === 'ok';
  const problem = health.severity === 'critical' || health.severity === 'warning';
  const lines = health.lines.length > 0 ? health.lines : problem ? factLines(health) : [];
  const list = (
    <ul className="health-lines">
      {lines.map((line) => (
        <li key={line} className="health-line">
          {line}
        </li>
      ))}
    </ul>
  );
  return (
    <div
      className={`health-banner severity-${health.severity}${good ? ' compact' : ''}`}
      role="region"
      aria-label="run health"
      data-testid="health-banner"
      data-state={health.state}
    >
      {/* Announced when the state changes; the visible words below tick (silent for 17s, 18s…) and would be
          read out every second if they were the live region. */}
      <span className="visually-hidden" role={problem ? 'alert' : 'status'}>
        Run health: {healthWord(health.state)}
      </span>
      <span className="health-icon" aria-hidden="true">
        {severityIcon(health.severity)}
      </span>
      <div className="health-text">
        <p className="health-headline">
          {/* The headline starts with the state in words; the word is repeated only when it does not. */}
          {!startsWithWord(health) && <strong className="health-word">{healthWord(health.state)}: </strong>}
          <strong>{health.headline}</strong>
          {health.sinceMs !== null && !good && (
            <span className="health-since"> (since {clockTime(health.sinceMs)})</span>
          )}
        </p>
        {lines.length > 0 &&
          (good ? (
            <details>
              <summary>details</summary>
              {list}
            </details>
          ) : (
            list
          ))}
        {!good && health.next && !lines.some((l) => l.includes(health.next as string)) && (
          <p className="health-next">
            <strong>What you can do:</strong> {health.next}
          </p>
        )}
      </div>
    </div>
  );
}

function startsWithWord(h: RunHealth): boolean {
  return h.headline.toLowerCase().startsWith(h.state === 'resubmitted' ? 'crashed' : h.state);
}
