// Failure signatures (megatron-log-format.md §10), most specific first: a group of lines takes the kind of
// its highest-ranked line, and that line becomes the event's message.

import type { FailureKind } from './events.js';

/** Order of precedence; lower index wins. */
export const KIND_PRECEDENCE: readonly FailureKind[] = [
  'ecc_error',
  'out_of_memory',
  'nccl_timeout',
  'nccl_error',
  'bus_error',
  'segfault',
  'cuda_error',
  'node_failure',
  'time_limit',
  'preempted',
  'requeued',
  'cancelled',
  'python_exception',
  'cpp_abort',
  'task_exit',
];

export function precedenceOf(kind: FailureKind): number {
  return KIND_PRECEDENCE.indexOf(kind);
}

/**
 * The most telling of several failure reports of one incident (a CUDA error, then srun's `task 0: Exited`, are
 * two events from two writers): the earliest of the best-ranked kind; unknown kinds rank last.
 */
export function mostSpecificFailure<T extends { kind: string | null }>(failures: readonly T[]): T | undefined {
  const rank = (f: T) => {
    const i = f.kind === null ? -1 : KIND_PRECEDENCE.indexOf(f.kind as FailureKind);
    return i < 0 ? KIND_PRECEDENCE.length : i;
  };
  let best: T | undefined;
  for (const f of failures) if (best === undefined || rank(f) < rank(best)) best = f;
  return best;
}

const HINT =
  /ECC|UNCORRECTABLE|CUDA|[Oo]ut[Oo]f[Mm]emory|out of memory|oom-kill|Watchdog caught|NCCL|nccl|[Bb]us [Ee]rror|BUS ERROR|SIGBUS|[Ss]egmentation fault|SIGSEGV|NODE FAILURE|Node failure|CANCELLED AT|Error|Exception|srun: error: |Interrupt|SystemExit/;

const RULES: ReadonlyArray<readonly [RegExp, FailureKind]> = [
  [/ECC error|cudaErrorECCUncorrectable|UNCORRECTABLE MEMORY ERROR/i, 'ecc_error'],
  [/CUDA out of memory|OutOfMemoryError|CUDA error: out of memory|oom-kill event/, 'out_of_memory'],
  [/Watchdog caught collective operation timeout|Some NCCL operations have failed or timed out/, 'nccl_timeout'],
  [/NCCL error in:|ncclSystemError|ncclInternalError|ncclUnhandledCudaError|ncclRemoteError| NCCL WARN /, 'nccl_error'],
  [/bus error|SIGBUS/i, 'bus_error'],
  [/segmentation fault|SIGSEGV/i, 'segfault'],
  [/CUDA error|c10::CUDAError|cudaError[A-Z]/, 'cuda_error'],
  [/DUE TO NODE FAILURE|Node failure on /, 'node_failure'],
  [/CANCELLED AT \S+ DUE TO TIME LIMIT/, 'time_limit'],
  [/CANCELLED AT \S+ DUE TO PREEMPTION/, 'preempted'],
  [/CANCELLED AT \S+ DUE TO JOB REQUEUE/, 'requeued'],
  [/\*\*\* .*CANCELLED AT \S+ \*\*\*/, 'cancelled'],
  [/^srun: error: \S+: task \d+: /, 'task_exit'],
];

/** A Python exception line at column 0 (`RuntimeError: …`, `torch.cuda.OutOfMemoryError: …`, `AssertionError`). */
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Failure)(?::|$)/;

export function isExceptionLine(payload: string): boolean {
  return EXCEPTION_LINE.test(payload);
}

/** torchelastic's wrapper exception: part of the agent's failure report, not a python_exception of its own. */
export function isChildFailedLine(payload: string): boolean {
  return payload.includes('ChildFailedError');
}

/** The failure kind a single line signals, or null. `payload` has no rank prefix. */
export function classifyLine(payload: string): FailureKind | null {
  if (!HINT.test(payload)) return null;
  for (const [pattern, kind] of RULES) if (pattern.test(payload)) return kind;
  if (isExceptionLine(payload) && !isChildFailedLine(payload)) return 'python_exception';
  return null;
}
