// F15 restart segmentation: each new process start after the first (a banner or Trainboard's job start marker)
// is a new segment: info, with the cause (how the previous segment ended), the iteration it resumed from and the
// iterations redone (printed by the previous job, done again). Resolved at the segment's first iteration.
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { evidenceOf, newIncident } from '../incidentBuilder.js';

export function createRestartDetector(ctx: DetectContext): Detector {
  const found: Incident[] = [];
  let seenSegment = 0;
  let cause: string | null = null;
  let previousLast: number | null = null;
  let open: Incident | null = null;

  function setDetail(inc: Incident, key: string, value: number | string | null): void {
    inc.details = { ...inc.details, [key]: value };
  }

  return {
    observe({ event: e, timeMs: t }: DetectInput) {
      if (ctx.run.segment !== seenSegment) {
        // The first start of the log is a restart only when an earlier process logged iterations (an excerpt).
        const first = seenSegment === 0 && previousLast === null;
        seenSegment = ctx.run.segment;
        if (!first) {
          open = newIncident(ctx, {
            kind: 'restart',
            severity: 'info',
            title: `Restart${cause === null ? '' : ` after ${causeWords(cause)}`}`,
            evidence: [evidenceOf(e, e.type === 'job_start' ? `job ${e.jobId} starts` : 'a new run start banner')],
            openedAtMs: t,
            action: null,
            workLostIterations: null,
            details: { segment: seenSegment, cause, previousLastIteration: previousLast },
          });
          found.push(open);
        }
        cause = null;
        return;
      }
      if (e.type === 'failure' && !e.shutdownNoise) cause ??= e.kind;
      if (e.type === 'exit') cause ??= e.reason;
      if (open === null) {
        if (e.type === 'iteration') previousLast = e.iteration;
        return;
      }
      if (e.type === 'checkpoint_loaded') setDetail(open, 'resumeIteration', e.iteration);
      if (e.type === 'iteration') {
        const redone = previousLast !== null ? Math.max(0, previousLast - e.iteration + 1) : null;
        setDetail(open, 'firstIteration', e.iteration);
        setDetail(open, 'iterationsRedone', redone);
        open.workLostIterations = redone;
        open.resolvedAtMs = t;
        open = null;
        previousLast = e.iteration;
      }
    },
    tick() {},
    incidents: () => found,
  };
}

/** A failure kind in words for a title: `cuda_error` → "a CUDA error", `ecc_error` → "an ECC error". */
function causeWords(cause: string): string {
  const words = cause.replace(/_/g, ' ').replace(/\b(cuda|ecc|oom|nccl|xid)\b/gi, (w) => w.toUpperCase());
  return `${/^([aeiou]|ECC|OOM|XID|NCCL)/i.test(words) ? 'an' : 'a'} ${words}`;
}
