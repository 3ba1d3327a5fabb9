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
      check(t);
      rhythm.observe(e, t);
      if (ENDS_SILENCE.has(e.type)) close(t);
      else if (e.type === 'failure' && !e.shutdownNoise) {
        if (JOB_END_KINDS.has(e.kind)) close(t);
        else pending ??= { e, t, running: false };
      } else if (e.type === 'exit') pending ??= { e, t, running: false };
      else if (e.type === 'pulse') {
        if (e.alert) close(t);
        else if (pending !== null && e.jobState === 'RUNNING') pending.running = true;
      }
    },
    tick(now: number) {
      check(now);
    },
    incidents: () => found,
  };
}
