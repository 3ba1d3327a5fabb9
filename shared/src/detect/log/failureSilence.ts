// F4: failure text (or an exit line) and then silence while the job is still there. Offline: after a failure
// with no job end (no Slurm end banner, no watchdog ALERT, no new start), the log goes on with only PULSE lines
// and noise for longer than the step deadline. After a clean exit the job normally ends at once, so it counts
// only when a PULSE says a job is still RUNNING.
import type { ExitEvent, FailureEvent, LogEvent } from '../../log/events.js';
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { JOB_END_KINDS, evidenceOf, newIncident } from '../incidentBuilder.js';
import { type DeadlineOptions, Rhythm } from '../rhythm.js';

const ENDS_SILENCE: ReadonlySet<LogEvent['type']> = new Set([
  'iteration',
  'validation',
  'checkpoint_saved',
  'checkpoint_loaded',
  'run_start',
  'job_start',
]);

/** Progress (the failure was not fatal), a new start, a Slurm end banner, or the watchdog's ALERT. */
function endsSilence(e: LogEvent): boolean {
  if (ENDS_SILENCE.has(e.type)) return true;
  if (e.type === 'failure') return !e.shutdownNoise && JOB_END_KINDS.has(e.kind);
  return e.type === 'pulse' && e.alert;
}

export function createFailureSilenceDetector(ctx: DetectContext, deadlines?: DeadlineOptions): Detector {
  const rhythm = new Rhythm(deadlines);
  const found: Incident[] = [];
  let pending: { e: FailureEvent | ExitEvent; t: number; running: boolean } | null = null;
  let open: Incident | null = null;

  function close(t: number): void {
    pending = null;
    if (open !== null) open.resolvedAtMs = t;
    open = null;
  }

  function check(now: number): void {
    if (pending === null || open !== null) return;
    if (pending.e.type === 'exit' && !pending.running) return;
    const grace = rhythm.stepDeadline();
    if (now - pending.t <= grace) return;
    const what = pending.e.type === 'exit' ? `exit (${pending.e.reason})` : `failure (${pending.e.kind})`;
    open = newIncident(ctx, {
      kind: 'failure_silence',
      severity: 'critical',
      title: `${what} then ${Math.round((now - pending.t) / 60_000)} min of silence, and the job did not end`,
      evidence: [evidenceOf(pending.e, pending.e.message)],
      openedAtMs: pending.t + grace,
      action: { kind: 'cancel', text: 'Treat the job as dead: cancel it (or arm the kill switch), then check Slurm' },
      failureKind: pending.e.type === 'failure' ? pending.e.kind : null,
      details: { graceMs: Math.round(grace) },
    });
    found.push(open);
  }

  return {
    observe({ event: e, timeMs: t }: DetectInput) {
      rhythm.observe(e, t);
      // What ends the silence is checked first: a watchdog ALERT hours later says the job is gone, not that it hung.
      if (endsSilence(e)) return close(t);
      check(t);
      if (e.type === 'failure' && !e.shutdownNoise) pending ??= { e, t, running: false };
      else if (e.type === 'exit') pending ??= { e, t, running: false };
      else if (e.type === 'pulse' && pending !== null && e.jobState === 'RUNNING') {
        pending.running = true;
        check(t);
      }
    },
    tick(now: number) {
      check(now);
    },
    incidents: () => found,
  };
}
