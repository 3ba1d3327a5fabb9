// What the recovery policy does about a freshly opened incident (issue 15). A crash is left to the failure policy,
// which resubmits once Slurm reports the job ended and nothing is queued (the chain's next job may already take
// over): acting on the log's text would race the job's own exit and submit twice. A node failure excludes the named
// nodes (the job on them is cancelled, the next one avoids them); a hang gets a stack dump attempt, then cancel and
// resubmit. A configuration or code error at start-up (python exception) or an out-of-memory at start-up holds the
// run instead: the same job would fail the same way until a person changes something, then releases it.
// Pure: the server adds the budget and the run's state.
import type { Incident } from './incident.js';

export type RecoveryDecision =
  | { act: 'none'; why: string }
  | { act: 'hold'; why: string }
  | { act: 'exclude'; nodes: string[]; why: string }
  | { act: 'stack_dump_then_resubmit'; why: string };

/** Failure kinds that resubmitting unchanged would only repeat when they happen before the first iteration. */
const NEEDS_A_CHANGE_AT_STARTUP: ReadonlySet<string> = new Set(['out_of_memory', 'python_exception']);

/** Failures that are not a fault of the job (the scheduler ended it): other kinds and policies own them. */
const NOT_A_CRASH: ReadonlySet<string> = new Set(['time_limit', 'preempted', 'requeued', 'cancelled']);

function atStartup(i: Incident): boolean {
  return i.details?.duringStartup === true || i.iteration === null;
}

export function decideRecovery(i: Incident): RecoveryDecision {
  const failure = i.failureKind ?? null;
  if (i.kind === 'hang') return { act: 'stack_dump_then_resubmit', why: `hang: ${i.title}` };
  if (i.kind !== 'crash' && i.kind !== 'node_failure') return { act: 'none', why: `${i.kind} is not recovered` };
  if (failure !== null && NEEDS_A_CHANGE_AT_STARTUP.has(failure) && atStartup(i))
    return {
      act: 'hold',
      why: `${failure} at start-up: resubmitting unchanged would fail again; change the run, then release it`,
    };
  if (failure !== null && NOT_A_CRASH.has(failure)) return { act: 'none', why: `${failure} is not a crash` };
  if (i.kind === 'node_failure') {
    const nodes = i.suggestedAction?.nodes ?? [];
    if (nodes.length) return { act: 'exclude', nodes, why: `node failure on ${nodes.join(', ')}: ${i.title}` };
  }
  return { act: 'none', why: 'the failure policy resubmits once the job has ended and nothing is queued' };
}
