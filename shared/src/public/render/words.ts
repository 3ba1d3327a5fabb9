// The public page's words for its numbers. Deterministic (UTC, no locale), so the server's render and the browser's
// re-render of the same snapshot are the same text.
import { formatCount, formatDuration, formatValue } from '../../dashboard/format.js';
import type { PublicSnapshot, PublicState } from '../snapshot.js';

export { formatCount, formatDuration, formatValue };

export const STATE_WORDS: Record<PublicState, string> = {
  queued: 'Queued',
  training: 'Training',
  stalled: 'Stalled',
  restarting: 'Restarting',
  finished: 'Finished',
  stopped: 'Stopped',
  unknown: 'Unknown',
};

/** `24%` (one decimal below 10%); `—` when unknown. */
export function formatPercent(fraction: number | null): string {
  if (fraction === null) return '—';
  const p = fraction * 100;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.floor(p)}%`;
}

/** `2026-12-06 17:00 UTC`; `—` for null. */
export function formatUtc(iso: string | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `52k tokens/s`. */
export function formatRate(perSecond: number | null): string {
  return perSecond === null ? '—' : `${formatCount(perSecond)} tokens/s`;
}

/** The one-line summary used by og:description, the badge and the widget: `Training · 24% · loss 3.4`. */
export function summaryLine(s: PublicSnapshot): string {
  const parts = [STATE_WORDS[s.state]];
  if (s.progress.fraction !== null) parts.push(formatPercent(s.progress.fraction));
  const loss = s.validation.current?.loss ?? s.loss.train.at(-1)?.[1] ?? null;
  if (loss !== null) parts.push(`loss ${formatValue(loss)}`);
  return parts.join(' · ');
}
