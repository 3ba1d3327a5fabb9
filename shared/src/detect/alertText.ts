// The words of an alert: a subject line and a plain-text body that say, for people reading a phone, which run,
// what kind of incident, how severe, what happened, at which iteration, the work lost, what to do, and where to
// look. The same text goes to chat (webhook) and e-mail; the senders only escape it for their medium.
import type { StoredIncident } from './incidentApi.js';
import type { AlertNotice } from './alerting.js';

export interface AlertRunContext {
  runId: number;
  runName: string;
  /** The run's page on the dashboard (TRAINBOARD_PUBLIC_BASE_URL + /runs/<id>), when the server knows its address. */
  runUrl: string | null;
}

export interface AlertText {
  subject: string;
  text: string;
}

/** Control characters (newlines included) out, length bounded: log text reaches a mail header and a chat line. */
export function oneLine(s: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const kindWords = (kind: string) => kind.replace(/_/g, ' ');
const utc = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
/** A log without time stamps gives times counted from its start, not wall time: those are left out. */
const WALL_CLOCK_FLOOR_MS = Date.UTC(2000, 0, 1);
const timeLine = (label: string, ms: number | null) =>
  ms !== null && ms >= WALL_CLOCK_FLOOR_MS ? [`${label}: ${utc(ms)}`] : [];

function workLost(n: number | null): string {
  if (n === null) return 'none known';
  return n === 1 ? '1 iteration since the last save' : `${n.toLocaleString('en-US')} iterations since the last save`;
}

function kindLine(i: StoredIncident): string {
  return i.failureKind ? `${kindWords(i.kind)} (${kindWords(i.failureKind)})` : kindWords(i.kind);
}

export function alertText(notice: AlertNotice, i: StoredIncident, run: AlertRunContext): AlertText {
  const runWords = `run ${oneLine(run.runName, 120)} (#${run.runId})`;
  const title = oneLine(i.title);
  const iteration = i.iteration === null ? 'unknown' : i.iteration.toLocaleString('en-US');
  const link = run.runUrl ? [`Run page: ${run.runUrl}`] : [];
  if (notice === 'resolved') {
    return {
      subject: oneLine(`[Trainboard] Resolved: ${kindWords(i.kind)} on ${runWords}`, 200),
      text: [
        `Resolved on ${runWords}: ${title}`,
        `Kind: ${kindLine(i)}`,
        `Severity was: ${i.severity}`,
        ...timeLine('Opened', i.openedAtMs),
        ...timeLine('Resolved', i.resolvedAtMs),
        ...link,
      ].join('\n'),
    };
  }
  return {
    subject: oneLine(`[Trainboard] ${i.severity.toUpperCase()} ${kindWords(i.kind)} on ${runWords}: ${title}`, 200),
    text: [
      `${i.severity.toUpperCase()} incident on ${runWords}: ${title}`,
      `Kind: ${kindLine(i)}`,
      `Severity: ${i.severity}`,
      `Iteration: ${iteration}`,
      `Work lost: ${workLost(i.workLostIterations)}`,
      `Suggested action: ${i.suggestedAction ? oneLine(i.suggestedAction.text) : 'none'}`,
      ...timeLine('Opened', i.openedAtMs),
      ...link,
    ].join('\n'),
  };
}
