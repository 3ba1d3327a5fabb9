// Which node a failure happened on, when its own text does not say: the pure attribution the crash and node
// failure detectors share (F2: an ECC error at start-up names no node, yet the job's node must not be used again).
import type { FailureEvent } from '../../log/events.js';
import { GENERIC_KINDS, JOB_END_KINDS } from '../incidentBuilder.js';
import type { RunState } from '../runState.js';

/** srun's line for a task that ended with a non-zero code: it names the node that task ran on. */
const SRUN_EXITED = /srun: error: \S+: task \d+: Exited with exit code [1-9]/;

/**
 * Whether a failure's node list names the culprit: a node failure, a specific error, or a torchelastic Root Cause
 * block (globalRank set). A bare task exit lists every node of the step, and a scheduler end names none.
 */
export function namesCulprit(e: FailureEvent): boolean {
  if (e.kind === 'node_failure' || e.globalRank !== null) return true;
  return isSpecific(e);
}

/** A failure with its own signature (CUDA, ECC, OOM, NCCL…), not a task exit or a scheduler end. */
export function isSpecific(e: FailureEvent): boolean {
  return !GENERIC_KINDS.has(e.kind) && !JOB_END_KINDS.has(e.kind);
}

/** The node of srun's `<node>: task N: Exited with exit code K` (K ≠ 0) line, or null for any other failure. */
export function srunExitedNode(e: FailureEvent): string | null {
  if (e.kind !== 'task_exit' || e.nodes.length !== 1 || e.globalRank !== null) return null;
  return SRUN_EXITED.test(e.message) ? (e.nodes[0] ?? null) : null;
}

/**
 * The nodes a failure blames: the ones its text names when they name the culprit; else, for a specific failure
 * that names none, the job's node when the job had only one (from its start marker).
 */
export function blamedNodes(e: FailureEvent, run: RunState): string[] {
  if (namesCulprit(e) && e.nodes.length > 0) return e.nodes;
  if (isSpecific(e) && e.nodes.length === 0 && run.jobNodes.length === 1) return [...run.jobNodes];
  return [];
}
