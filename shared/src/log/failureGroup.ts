// Grouping of multi-line failure text into one event per writer (megatron-log-format.md §10): a Python
// traceback (with chained exceptions), a C++ `terminate called…` abort with its frames, torchelastic's agent
// lines + traceback + failure summary, and a block of srun/slurmstepd lines. The group's kind is its most
// specific signature; nodes, global rank and exit code are pulled from the text.

import type { FailureEvent, FailureKind, ParserContext } from './events.js';
import { classifyLine, isChildFailedLine, isExceptionLine, precedenceOf } from './classify.js';

/** Where a group is in its text; decides which next lines belong to it. */
type GroupState = 'traceback' | 'exception' | 'chain' | 'abort' | 'elastic' | 'summary' | 'worker' | 'slurm';

export type Accept = 'continue' | 'last' | 'no';

const FRAME = /^frame #\d+: /;
const SRUN_TASK = /^srun: error: (\S+): task \d+: (.*)$/;
const EXIT_CODE = /Exited with exit code (-?\d+)/;
const NODE_FAILURE = /Node failure on (\S+)/;
const AGENT_EXIT = /failed \(exitcode: (-?\d+)\)/;
const SUMMARY_HOST = /^\s+host\s+: (\S+)/;
const SUMMARY_RANK = /^\s+rank\s+: (\d+)/;
const SUMMARY_EXIT = /^\s+exitcode\s+: (-?\d+)/;
const SUMMARY_TRACEBACK = /^\s+traceback\s+: (.+)$/;
const RANK_TAG = /\[Rank (\d+)\]/;
const NCCL_HOST = /^([A-Za-z0-9_.-]+):\d+:\d+ \[\d+\] .*NCCL WARN /;
const BANNER_CORE = /\*\*\*.*\*\*\*/;

function isTracebackStart(p: string): boolean {
  return p.startsWith('Traceback (most recent call last):');
}
function isAbortStart(p: string): boolean {
  return p.startsWith('terminate called after throwing') || p.startsWith('terminate called recursively');
}
function isChainMarker(p: string): boolean {
  return p.startsWith('The above exception was') || p.startsWith('During handling of the above exception');
}
function isIndented(p: string): boolean {
  const c = p.charCodeAt(0);
  return (c === 32 || c === 9) && p.trim().length > 0;
}
function isBlank(p: string): boolean {
  return p.trim().length === 0;
}
/** torchelastic agent logging: `LEVEL:torch.distributed.elastic…`, `[ts] torch.distributed.elastic…`, glog `torch/distributed/elastic/…`. */
function isElasticAgentLine(p: string): boolean {
  return p.includes('torch.distributed.elastic') || p.includes('torch/distributed/elastic');
}
/** PyTorch's hint lines printed right after a CUDA error message. */
function isCudaHint(p: string): boolean {
  return (
    p.startsWith('CUDA kernel errors might be') ||
    p.startsWith('For debugging consider passing') ||
    p.startsWith('Compile with `TORCH_USE_CUDA_DSA`')
  );
}
function isElision(p: string): boolean {
  const t = p.trim();
  return t === '[...]' || t === '[…]';
}
export function isSlurmLine(p: string): boolean {
  return p.startsWith('srun: ') || p.startsWith('slurmstepd: ');
}

/**
 * How a line from a writer with no open group starts one.
 * @returns the state of the new group, or null when the line does not open a group.
 */
export function openingState(p: string): GroupState | null {
  if (isTracebackStart(p)) return 'traceback';
  if (isAbortStart(p)) return 'abort';
  if (isSlurmLine(p)) {
    if (classifyLine(p) !== null || p.startsWith('srun: Job step aborted') || p.includes('_step_signal'))
      return 'slurm';
    return null;
  }
  if (isElasticAgentLine(p) && (p.includes('closing signal') || p.includes('failed (exitcode'))) return 'elastic';
  if (p.startsWith('ERROR: Unexpected') && p.includes('encountered in worker')) return 'worker';
  if (p.startsWith('Fatal Python error:')) return 'worker';
  if (isExceptionLine(p) && (classifyLine(p) !== null || isChildFailedLine(p))) return 'exception';
  return null;
}

export class FailureGroup {
  kind: FailureKind | null = null;
  message = '';
  nodes: string[] = [];
  globalRank: number | null = null;
  exitCode: number | null = null;
  private exitFromRootCause = false;
  lineCount = 0;
  lastLine: number;
  private sawRootCause = false;
  private sawChildFailed = false;
  private firstLine = '';
  /** For groups with no signature: the torchelastic text that says most (root-cause traceback, agent exit). */
  private processMessage = '';

  constructor(
    private state: GroupState,
    readonly writer: string,
    readonly offset: number,
    readonly line: number,
    readonly rank: number | null,
    /** Start of the physical line holding the first record, and the parser context there (for resumePoint). */
    readonly resumeOffset: number,
    readonly resumeContext: ParserContext,
    private readonly flags: { shutdownNoise: boolean; duringStartup: boolean; lastIteration: number | null },
  ) {
    this.lastLine = line;
  }

  get isSlurm(): boolean {
    return this.state === 'slurm';
  }

  /** Adds the opening line. */
  start(p: string): void {
    this.firstLine = p.trim();
    this.add(p);
  }

  /** Decides whether `p` (same writer) continues the group; adds it when it does. */
  accept(p: string, line: number): Accept {
    const next = this.nextState(p);
    if (next === null) return 'no';
    this.state = next;
    this.lastLine = line;
    this.add(p);
    if (next === 'summary' && this.sawRootCause && p.startsWith('====')) return 'last';
    return 'continue';
  }

  private nextState(p: string): GroupState | null {
    switch (this.state) {
      case 'slurm':
        return isSlurmLine(p) ? 'slurm' : null;
      case 'summary':
        return 'summary';
      case 'traceback':
        if (isIndented(p) || isElision(p)) return 'traceback';
        if (isExceptionLine(p)) return 'exception';
        if (isChainMarker(p)) return 'chain';
        if (isAbortStart(p)) return 'abort';
        return null;
      case 'exception':
        if (isChainMarker(p)) return 'chain';
        if (isBlank(p) || isCudaHint(p)) return 'exception';
        if (isTracebackStart(p)) return 'traceback';
        if (isAbortStart(p)) return 'abort';
        if (isExceptionLine(p)) return 'exception';
        if (this.sawChildFailed && p.startsWith('====')) return 'summary';
        if (isElasticAgentLine(p)) return 'elastic';
        return null;
      case 'chain':
        if (isBlank(p)) return 'chain';
        if (isTracebackStart(p)) return 'traceback';
        return null;
      case 'abort':
        if (isIndented(p) || FRAME.test(p) || p.startsWith('Exception raised from ')) return 'abort';
        if (isTracebackStart(p)) return 'traceback';
        return null;
      case 'elastic':
        if (isElasticAgentLine(p)) return 'elastic';
        if (isTracebackStart(p)) return 'traceback';
        if (isExceptionLine(p)) return 'exception';
        return null;
      case 'worker':
        if (isTracebackStart(p)) return 'traceback';
        if (isExceptionLine(p)) return 'exception';
        if (isIndented(p) || isBlank(p) || p.startsWith('Thread 0x') || p.startsWith('Current thread 0x'))
          return 'worker';
        return null;
    }
  }

  private add(p: string): void {
    this.lineCount++;
    if (isChildFailedLine(p)) this.sawChildFailed = true;
    if (p.startsWith('Root Cause')) this.sawRootCause = true;
    const kind = classifyLine(p);
    if (kind !== null && (this.kind === null || precedenceOf(kind) < precedenceOf(this.kind))) {
      this.kind = kind;
      this.message = messageOf(p);
    } else if (kind !== null && kind === this.kind && isAbortStart(this.message) && p.includes('what():')) {
      // `what():  CUDA error: unknown error` says more than `terminate called after throwing … 'c10::CUDAError'`.
      this.message = messageOf(p);
    }
    this.extract(p);
  }

  private extract(p: string): void {
    let m: RegExpExecArray | null;
    if ((m = SRUN_TASK.exec(p))) {
      this.addNode(m[1] as string);
      const code = EXIT_CODE.exec(m[2] as string);
      if (code && this.exitCode === null) this.exitCode = Number(code[1]);
    } else if ((m = NODE_FAILURE.exec(p))) {
      this.addNode(m[1] as string);
    } else if ((m = AGENT_EXIT.exec(p))) {
      if (this.exitCode === null) this.exitCode = Number(m[1]);
      if (this.processMessage === '') this.processMessage = p.slice(p.indexOf('failed (exitcode')).trim();
    } else if (this.sawRootCause) {
      if ((m = SUMMARY_TRACEBACK.exec(p))) this.processMessage = (m[1] as string).trim();
      else if ((m = SUMMARY_HOST.exec(p))) this.addNode((m[1] as string).replace(/-ib\d+$/, ''));
      else if ((m = SUMMARY_RANK.exec(p))) {
        if (this.globalRank === null) this.globalRank = Number(m[1]);
      } else if ((m = SUMMARY_EXIT.exec(p))) {
        if (!this.exitFromRootCause) this.exitCode = Number(m[1]);
        this.exitFromRootCause = true;
      }
    } else if ((m = NCCL_HOST.exec(p))) {
      this.addNode(m[1] as string);
    }
  }

  private addNode(node: string): void {
    if (!this.nodes.includes(node)) this.nodes.push(node);
  }

  toEvent(): FailureEvent {
    return {
      type: 'failure',
      offset: this.offset,
      line: this.line,
      rank: this.rank,
      kind: this.kind ?? this.fallbackKind(),
      message: this.message || this.processMessage || this.firstLine,
      nodes: this.nodes,
      globalRank: this.globalRank,
      exitCode: this.exitCode,
      lineCount: this.lineCount,
      shutdownNoise: this.flags.shutdownNoise,
      duringStartup: this.flags.duringStartup,
      lastIteration: this.flags.lastIteration,
    };
  }

  private fallbackKind(): FailureKind {
    if (this.state === 'slurm' || this.state === 'elastic' || this.state === 'summary' || this.sawChildFailed)
      return 'task_exit';
    if (this.state === 'abort') return 'cpp_abort';
    return 'python_exception';
  }
}

/** The most telling part of a line: a Slurm banner's `*** … ***` core, the text after `what():`, else the line. */
function messageOf(p: string): string {
  const banner = BANNER_CORE.exec(p);
  if (banner) return banner[0];
  const what = p.indexOf('what():');
  if (what !== -1) return p.slice(what + 7).trim();
  return p.trim();
}

/** A one-line failure event (NCCL watchdog timeout, NCCL WARN, a CUDA error in free text). */
export function singleLineFailure(
  kind: FailureKind,
  p: string,
  base: { offset: number; line: number; rank: number | null },
  flags: { shutdownNoise: boolean; duringStartup: boolean; lastIteration: number | null },
): FailureEvent {
  const host = NCCL_HOST.exec(p);
  const rankTag = RANK_TAG.exec(p);
  return {
    type: 'failure',
    offset: base.offset,
    line: base.line,
    rank: base.rank,
    kind,
    message: messageOf(p),
    nodes: host ? [host[1] as string] : [],
    globalRank: rankTag ? Number(rankTag[1]) : null,
    exitCode: null,
    lineCount: 1,
    shutdownNoise: flags.shutdownNoise,
    duringStartup: flags.duringStartup,
    lastIteration: flags.lastIteration,
  };
}
