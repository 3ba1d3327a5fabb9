// F3 hang: no progress record for longer than the current section's deadline (rhythm.ts learns them), so an eval
// (F14) or a save never alarms. Offline, a hang is a gap between consecutive records that the log's own stamps
// reveal (PULSE lines move the clock but are not progress: the BigScience watchdog's blind spot).
// After a failure or an exit there is no deadline: failure_silence (F4) owns that silence, one page per event.
import type { LogEvent } from '../../log/events.js';
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { evidenceOf, newIncident, resumeText } from '../incidentBuilder.js';
import { type DeadlineOptions, Rhythm } from '../rhythm.js';

type Section = 'idle' | 'startup' | 'step' | 'eval' | 'ended';

const PROGRESS: ReadonlySet<LogEvent['type']> = new Set([
  'iteration',
  'validation',
  'checkpoint_saved',
  'checkpoint_loaded',
  'run_start',
  'job_start',
  'timer',
  'datetime',
]);

export function createHangDetector(ctx: DetectContext, deadlines?: DeadlineOptions): Detector {
  const rhythm = new Rhythm(deadlines);
  const found: Incident[] = [];
  let section: Section = 'idle';
  let last: { e: LogEvent; t: number } | null = null;
  let open: Incident | null = null;
  let lastIteration: number | null = null;

  function deadline(): number | null {
    if (section === 'startup') return rhythm.startupDeadline();
    if (section === 'step') return rhythm.stepDeadline();
    if (section === 'eval') return rhythm.evalDeadline(rhythm.groupsSeen);
    return null;
  }

  /** What an iteration record says it took itself (its steps × elapsed per iteration): not silence. */
  function ownDuration(e: LogEvent | null): number {
    if (e?.type !== 'iteration' || e.iterationTimeMs === null || !Number.isFinite(e.iterationTimeMs)) return 0;
    const steps = lastIteration !== null && e.iteration > lastIteration ? e.iteration - lastIteration : 1;
    return Math.max(0, e.iterationTimeMs) * steps;
  }

  function check(now: number, witness: LogEvent | null): void {
    if (open !== null || last === null) return;
    const limit = deadline();
    const silent = now - last.t - ownDuration(witness);
    if (limit === null || silent <= limit) return;
    open = hangIncident(ctx, { section, last: last.e, at: last.t, witness, limit, silent, groups: rhythm.groupsSeen });
    found.push(open);
  }

  function enter(e: LogEvent): void {
    if (e.type === 'run_start' || e.type === 'job_start') section = 'startup';
    else if (e.type === 'iteration') section = 'step';
    else if (e.type === 'validation') section = 'eval';
    else if (e.type === 'exit' || (e.type === 'failure' && !e.shutdownNoise)) section = 'ended';
    else if (e.type === 'pulse' && e.alert) section = 'ended';
  }

  return {
    observe({ event: e, timeMs: t }: DetectInput) {
      check(t, e);
      enter(e);
      rhythm.observe(e, t);
      if (e.type === 'iteration') lastIteration = e.iteration;
      if (PROGRESS.has(e.type)) {
        last = { e, t };
        if (open !== null) {
          open.resolvedAtMs = t;
          open = null;
        }
      } else if (section === 'ended' && open !== null) {
        open.resolvedAtMs = t;
        open = null;
      }
    },
    tick(now: number) {
      check(now, null);
    },
    incidents: () => found,
  };
}

interface Stall {
  section: Section;
  last: LogEvent;
  /** When the last progress record came. */
  at: number;
  /** The event that showed the time passing (offline), or null (a live tick). */
  witness: LogEvent | null;
  limit: number;
  silent: number;
  groups: number;
}

function hangIncident(ctx: DetectContext, s: Stall): Incident {
  const minutes = Math.round(s.silent / 60_000);
  const evidence = [evidenceOf(s.last, `last progress (${s.section}): ${describe(s.last)}`)];
  if (s.witness) evidence.push(evidenceOf(s.witness, `${minutes} min later, still no progress`));
  return newIncident(ctx, {
    kind: 'hang',
    severity: 'critical',
    title: `No progress for ${minutes} min during ${s.section} (deadline ${Math.round(s.limit / 60_000)} min)`,
    evidence,
    openedAtMs: s.at + s.limit,
    action: {
      kind: 'stack_dump_then_resubmit',
      text: `Dump the stacks (py-spy through srun --overlap), then cancel and resubmit ${resumeText(ctx)}`,
    },
    details: {
      section: s.section,
      deadlineMs: Math.round(s.limit),
      silentMs: Math.round(s.silent),
      evalGroupsSeen: s.groups,
    },
  });
}

function describe(e: LogEvent): string {
  switch (e.type) {
    case 'iteration':
      return `iteration ${e.iteration}`;
    case 'validation':
      return `validation ${e.group} at iteration ${e.iteration ?? e.afterIteration ?? '?'}`;
    case 'checkpoint_saved':
      return `checkpoint saved at iteration ${e.iteration}`;
    case 'checkpoint_loaded':
      return `checkpoint loaded at iteration ${e.iteration}`;
    default:
      return e.type;
  }
}
