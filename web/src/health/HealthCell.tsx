// A run's health as a small badge: icon + word (never colour alone), the headline as its tooltip. Used by the runs
// list's health column and the run header.
import type { RunHealth } from '@trainboard/shared/dashboard/runHealth';
import { healthWord, severityIcon } from './healthWords.js';
import './HealthBanner.css';

export function HealthCell({
  health,
  stale = false,
}: {
  health: Pick<RunHealth, 'state' | 'severity' | 'headline'>;
  stale?: boolean;
}) {
  return (
    <span
      className={`health-cell severity-${health.severity}${stale ? ' stale' : ''}`}
      title={health.headline}
      data-testid="health-cell"
      data-state={health.state}
    >
      <span aria-hidden="true">{severityIcon(health.severity)}</span>
      {healthWord(health.state)}
      {stale && <span className="stale-tag">stale</span>}
    </span>
  );
}
