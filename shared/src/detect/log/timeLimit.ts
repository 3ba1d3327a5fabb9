// F8 wall-clock limit. Graceful: Megatron's `[exiting program after <m> minutes]` (a save came just before: info,
// expect the next job). Hard: Slurm's `DUE TO TIME LIMIT` (warning: the exit duration does not leave room for the
// save, a config error, and the work since the last save is lost). One incident per segment.
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { evidenceOf, newIncident, resumeText } from '../incidentBuilder.js';

export function createTimeLimitDetector(ctx: DetectContext): Detector {
  const found: Incident[] = [];
  let segmentDone = -1;

  return {
    observe({ event: e, timeMs: t }: DetectInput) {
      if (segmentDone === ctx.run.segment) return;
      if (e.type === 'exit' && e.reason === 'duration_limit') {
        const inc = newIncident(ctx, {
          kind: 'time_limit',
          severity: 'info',
          title: `Graceful exit at the duration limit${e.durationMinutes === null ? '' : ` (${Math.round(e.durationMinutes)} min)`}`,
          evidence: [evidenceOf(e, e.message)],
          openedAtMs: t,
          action: { kind: 'none', text: 'Expected: the next job of the array resumes from the save' },
          details: { graceful: true, durationMinutes: e.durationMinutes },
        });
        inc.resolvedAtMs = t;
        found.push(inc);
        segmentDone = ctx.run.segment;
      } else if (e.type === 'failure' && e.kind === 'time_limit' && !e.shutdownNoise) {
        found.push(
          newIncident(ctx, {
            kind: 'time_limit',
            severity: 'warning',
            failureKind: e.kind,
            title: 'Killed by Slurm at the time limit: the exit duration leaves no room for the save',
            evidence: [evidenceOf(e, e.message, e.nodes)],
            openedAtMs: t,
            action: { kind: 'resubmit', text: `Lower the exit duration, then resubmit ${resumeText(ctx)}` },
            details: { graceful: false },
          }),
        );
        segmentDone = ctx.run.segment;
      }
    },
    tick() {},
    incidents: () => found,
  };
}
