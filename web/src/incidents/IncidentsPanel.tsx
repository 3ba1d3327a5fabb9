// The run's incidents: open ones first, each with its kind and severity in words and icon (colour only repeats them),
// its title, iteration, when it opened and resolved, what it cost, its evidence and the suggested action in words;
// an operator gets the suggestion as one button that opens the run's action dialog (preview, then confirm). Resolved
// incidents fold under a disclosure so a long night does not push the charts down. Rows stack on a phone.
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import type { DialogRequest } from '../control/dialogRequest.js';
import { clockTime } from '../health/serverClock.js';
import { incidentAction, incidentKindWord, orderIncidents, severityOf } from './incidentView.js';
import './incidents.css';

interface Props {
  incidents: readonly StoredIncident[];
  /** Present for operators of a run Trainboard controls: opens the action dialog. */
  onAction?: ((r: DialogRequest) => void) | undefined;
}

export function IncidentsPanel({ incidents, onAction }: Props) {
  const ordered = orderIncidents(incidents);
  const open = ordered.filter((i) => i.resolvedAtMs === null);
  const resolved = ordered.filter((i) => i.resolvedAtMs !== null);
  return (
    <section className="incidents" aria-labelledby="incidents-heading" data-testid="incidents">
      <h2 id="incidents-heading">
        Incidents{' '}
        <span className="incidents-count">
          {open.length} open · {resolved.length} resolved
        </span>
      </h2>
      {incidents.length === 0 && <p className="hint">No incident detected in this run.</p>}
      {open.length > 0 && <IncidentList incidents={open} onAction={onAction} label="open incidents" />}
      {resolved.length > 0 && (
        <details className="incidents-resolved">
          <summary>
            {resolved.length} resolved incident{resolved.length === 1 ? '' : 's'}
          </summary>
          <IncidentList incidents={resolved} onAction={undefined} label="resolved incidents" />
        </details>
      )}
    </section>
  );
}

function IncidentList({ incidents, onAction, label }: Props & { label: string }) {
  return (
    <ul className="incident-list" aria-label={label}>
      {incidents.map((i) => (
        <IncidentRow key={i.id} incident={i} onAction={onAction} />
      ))}
    </ul>
  );
}

function IncidentRow({ incident: i, onAction }: { incident: StoredIncident; onAction: Props['onAction'] }) {
  const sev = severityOf(i.severity);
  const action = onAction ? incidentAction(i) : null;
  const headingId = `incident-${i.id}`;
  return (
    <li
      className={`incident severity-${i.severity}${i.resolvedAtMs === null ? ' open' : ' resolved'}`}
      aria-labelledby={headingId}
      data-testid="incident"
      data-kind={i.kind}
      data-open={i.resolvedAtMs === null}
    >
      <p className="incident-kind">
        <span className="incident-badge">
          <span aria-hidden="true">{sev.icon}</span> {sev.word}
        </span>{' '}
        <span className="incident-kind-word">{incidentKindWord(i)}</span>
        <span className="incident-state">{i.resolvedAtMs === null ? 'open' : 'resolved'}</span>
      </p>
      <h3 id={headingId} className="incident-title">
        {i.title}
      </h3>
      <dl className="incident-facts">
        <Fact label="iteration">{i.iteration ?? '—'}</Fact>
        <Fact label="opened">{clockTime(i.openedAtMs)}</Fact>
        <Fact label="resolved">{i.resolvedAtMs === null ? 'not yet' : clockTime(i.resolvedAtMs)}</Fact>
        <Fact label="work lost">
          {i.workLostIterations === null ? 'none known' : `${i.workLostIterations} iterations`}
        </Fact>
        {i.jobId && <Fact label="job">{i.jobId}</Fact>}
      </dl>
      {i.evidence.length > 0 && (
        <ul className="incident-evidence" aria-label="evidence">
          {i.evidence.map((e, k) => (
            <li key={k}>
              {e.line !== null && <span className="evidence-where">line {e.line}: </span>}
              <code>{e.text}</code>
              {e.nodes && e.nodes.length > 0 && <span className="evidence-where"> ({e.nodes.join(', ')})</span>}
            </li>
          ))}
        </ul>
      )}
      {i.suggestedAction && (
        <p className="incident-suggestion">
          <span className="suggestion-label">Suggested:</span> {i.suggestedAction.text}
          {action && onAction && (
            <button
              type="button"
              className="small"
              aria-label={`${action.label.replace('…', '')} (suggested for: ${i.title})`}
              onClick={() => onAction(action.request)}
              data-testid="incident-action"
            >
              {action.label}
            </button>
          )}
        </p>
      )}
      {i.recoveryNote && (
        <p className="incident-suggestion" data-testid="incident-recovery">
          <span className="suggestion-label">Recovery policy:</span> {i.recoveryNote}
        </p>
      )}
    </li>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
