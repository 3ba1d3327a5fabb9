// The words and the icon for a health state, used alike by the banner, the runs list, the header badge and the tab
// title: the state is always spelled out, the icon repeats the severity in shape (never colour alone).
import type { HealthSeverity, HealthState, RunHealth } from '@trainboard/shared/dashboard/runHealth';

const WORDS: Record<HealthState, string> = {
  queued: 'queued',
  healthy: 'healthy',
  stalled: 'stalled',
  crashed: 'crashed',
  resubmitted: 'crashed · resubmitted',
  finished: 'finished',
  stopped: 'stopped',
  disconnected: 'server unreachable',
  stale: 'stale',
  unknown: 'unknown',
};

const ICONS: Record<HealthSeverity, string> = { ok: '✓', info: 'ℹ', warning: '⚠', critical: '⚠' };

export function healthWord(state: HealthState): string {
  return WORDS[state];
}

export function severityIcon(severity: HealthSeverity): string {
  return ICONS[severity];
}

/** The tab title: `⚠ crashed · run-name — Trainboard`. */
export function healthTitle(health: Pick<RunHealth, 'state' | 'severity'>, runName: string): string {
  return `${severityIcon(health.severity)} ${healthWord(health.state)} · ${runName} — Trainboard`;
}
