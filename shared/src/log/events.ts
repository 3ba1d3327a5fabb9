// The event contract of the Megatron-DeepSpeed log parser.
// It is also the output of `trainboard parse --json` (one object per line), so it is a public,
// scriptable format: add fields, never rename or remove them.
//
// Conventions:
// - `offset` is the byte offset of the start of the physical line in the file, `line` its 1-based number.
//   A glued line (two records on one physical line) yields events that share `line`; `offset` of the
//   second record is the byte offset where it starts inside that line.
// - Absent fields are `null`, never 0. Non-finite floats (`nan`, `inf`, `NAN`, `-INF`) are kept as JS
//   NaN/±Infinity in memory; in JSON they are written as the strings "NaN", "Infinity", "-Infinity".
// - `rank` is the torchrun local rank from a `[defaultN]:` prefix, or null when the line had none.
// - One event per record at most, so (offset, type) — and in practice offset alone — identifies an event.
// - Emission order: single-line records are emitted as their line is read. Multi-line records (the run_start
//   banner, a grouped failure) are emitted when they close, so their `offset` can be lower than that of events
//   emitted just before them (other writers' lines interleave). Sort by offset for strict file order.
//
// Decisions where the formats leave a choice (megatron-log-format.md):
// - Doc-wrapped fragments (`*.wrapped.log`) are not re-joined: the first fragment gives an iteration with
//   `truncated: true`, the others count as unknown lines. Nothing is made up.
// - Validation group names are kept as printed (`validation` is not renamed to `valid`).
// - run_start is emitted when the banner is complete (`setting training iterations to`, else at the first
//   iteration, an exit, srun/slurmstepd or torchelastic agent failure text, a new banner, flush/end), at the offset
//   of `using world size:`. A rank's traceback inside the banner (a peer failing at start-up) does not end it: its
//   failure event is emitted right after the run_start.
// - Failures are grouped per writer (rank prefix; unprefixed lines form one writer; srun/slurmstepd lines
//   another, closed by the first line of any other kind). A group closes at a line of its writer that does not
//   continue it, its natural end (torchelastic summary), 200 lines of silence from its writer, 5000 lines,
//   flush() or end(). Its kind is its most specific signature (ECC > OOM > NCCL timeout > NCCL error > bus
//   error > segfault > CUDA > node failure > time limit > preempted > requeued > cancelled > Python exception
//   > C++ abort > task exit); its message the line that gave that kind.
// - Errors after a clean exit (until the next banner) are still emitted, with `shutdownNoise: true`.
// - torchelastic hosts lose their interface suffix (`jean-zay-iam21-ib0` → `jean-zay-iam21`) to match Slurm names.
// - Lines that are never a record (DeepSpeed INFO, NCCL INFO, dashes, bare `time (ms)`, memory reports,
//   `saving checkpoint`, start-up progress) count as ignored; other lines as unknown.
//
// Additions beyond the list (documented here, never renames): IterationEvent.truncated,
// ValidationEvent.afterIteration, TimerEvent, ExitEvent.timestamp/durationMinutes, PulseEvent.timestamp may be
// null (the bare ALERT text) + jobId/partition/nodeList, FailureKind 'cpp_abort', FailureEvent.shutdownNoise/duringStartup/lastIteration,
// RunConfig.numMicroBatches, LogParser.flush(), resumePoint.context and LogParserOptions.context.
// Later additions: LineTooLongEvent with LogParserOptions.maxLineBytes, ParserContext.longLine, LogParser.heldBytes;
// JobStartEvent (Trainboard's own job start marker, see jobMarker.ts); LogGapEvent (never parsed: the pod log
// follower's "lines may be missing", server/src/follow/podLogFollower.ts).

export interface EventBase {
  type: string;
  /** Byte offset of the record's first byte in the stream. */
  offset: number;
  /** 1-based physical line number. */
  line: number;
  /** Local rank from a `[defaultN]:` prefix; null without a prefix. */
  rank: number | null;
}

/** An iteration's nullable number fields, in the order of the stored columns (consumed_samples … tflops). */
export const ITERATION_NUMBER_FIELDS = [
  'consumedSamples',
  'consumedTokens',
  'iterationTimeMs',
  'learningRate',
  'globalBatchSize',
  'lmLoss',
  'lossScale',
  'gradNorm',
  'numZeros',
  'skippedIterations',
  'nanIterations',
  'samplesPerSecond',
  'tflops',
] as const satisfies readonly (keyof IterationEvent)[];

export interface IterationEvent extends EventBase {
  type: 'iteration';
  iteration: number;
  trainIters: number;
  consumedSamples: number | null;
  consumedTokens: number | null;
  /** Normalised to milliseconds from `(ms)` or `(s)` labels. */
  iterationTimeMs: number | null;
  learningRate: number | null;
  globalBatchSize: number | null;
  /** Training LM loss (`lm loss`, `lm-loss`); null when the line carries none (NaN, ≤0 in Megatron). */
  lmLoss: number | null;
  lossScale: number | null;
  gradNorm: number | null;
  numZeros: number | null;
  skippedIterations: number | null;
  nanIterations: number | null;
  samplesPerSecond: number | null;
  tflops: number | null;
  /** Any other numeric `label: value` segment, keyed by its label as printed. */
  extra: Record<string, number>;
  /** NVIDIA Megatron-LM prints a timestamp before ` iteration`; epoch ms (UTC as written), else null. */
  timestamp: number | null;
  /**
   * True when the interval's time includes non-training work: the first logged iteration after a
   * (re)start, or the one after an evaluation or checkpoint save. Throughput charts and detectors skip these.
   */
  overhead: boolean;
  /**
   * True when the record does not end with `|` (a doc-wrapped or cut line): absent fields are then unknown,
   * not missing, so a null lmLoss must not be read as a NaN loss.
   */
  truncated: boolean;
}

export interface ValidationEvent extends EventBase {
  type: 'validation';
  /** Null for the end-of-training evaluation (attach it to the last iteration seen). */
  iteration: number | null;
  /** `valid`, `valid_en`, `validation`, … */
  group: string;
  /** `val data`, `test data` for end-of-training evaluations; null otherwise. */
  split: string | null;
  lmLoss: number | null;
  ppl: number | null;
  /** Other `<key> value` / `<key> PPL` pairs when the loss key is not `lm loss`. */
  extra: Record<string, number>;
  /** The last iteration the parser saw before this line (use it for the end-of-training form); null if none. */
  afterIteration: number | null;
}

/** A `time (ms) | name: ms | …` timer line (save-checkpoint, load-checkpoint, setup, per-step timers). */
export interface TimerEvent extends EventBase {
  type: 'timer';
  /** Timer name → milliseconds. */
  timers: Record<string, number>;
}

export interface CheckpointSavedEvent extends EventBase {
  type: 'checkpoint_saved';
  iteration: number;
  path: string | null;
}

export interface CheckpointLoadedEvent extends EventBase {
  type: 'checkpoint_loaded';
  iteration: number;
  path: string | null;
}

/** Config values scraped from the startup banner and the arguments dump. */
export interface RunConfig {
  worldSize?: number;
  tensorParallel?: number;
  pipelineParallel?: number;
  dataParallel?: number;
  microBatchSize?: number;
  globalBatchSize?: number;
  rampupBatchSize?: [number, number, number];
  trainIters?: number;
  trainSamples?: number;
  seqLength?: number;
  numLayers?: number;
  hiddenSize?: number;
  numAttentionHeads?: number;
  paddedVocabSize?: number;
  /** From `setting number of micro-batches to constant <n>`. */
  numMicroBatches?: number;
  /** Every `key ... value` pair of the arguments dump, as text. */
  args: Record<string, string>;
}

export interface RunStartEvent extends EventBase {
  type: 'run_start';
  config: RunConfig;
}

export type ExitReason = 'duration_limit' | 'kill_switch' | 'train_done' | 'exit_interval' | 'sigterm' | (string & {});

export interface ExitEvent extends EventBase {
  type: 'exit';
  reason: ExitReason;
  /** From the text (`exiting program at iteration N`, microsoft kill switch), else the last iteration seen. */
  iteration: number | null;
  message: string;
  /** The `datetime:` stamp of the exit line (epoch ms reading local time as UTC), or null. */
  timestamp: number | null;
  /** For `duration_limit`: the minutes printed. */
  durationMinutes: number | null;
}

export type FailureKind =
  | 'cuda_error'
  | 'ecc_error'
  | 'out_of_memory'
  | 'nccl_timeout'
  | 'nccl_error'
  | 'node_failure'
  | 'time_limit'
  | 'cancelled'
  | 'preempted'
  | 'requeued'
  | 'bus_error'
  | 'segfault'
  | 'python_exception'
  /** A C++ `terminate called after throwing` abort with no more specific signature. */
  | 'cpp_abort'
  /** A worker or srun task ended (exit code, signal, `Terminated`) with no more specific signature. */
  | 'task_exit';

export interface FailureEvent extends EventBase {
  type: 'failure';
  kind: FailureKind;
  /** The most telling line (exception message, Slurm banner core, CUDA error text). */
  message: string;
  /** Node names attributed by srun/slurmstepd/torchelastic text, when any. */
  nodes: string[];
  /** Global rank from a torchelastic Root Cause block. */
  globalRank: number | null;
  exitCode: number | null;
  /** Number of physical lines grouped into this event (a traceback is one event). */
  lineCount: number;
  /**
   * True when the failure follows a clean exit line (duration limit, kill switch, exit interval, training done,
   * SIGTERM) with no new run start in between: shutdown noise such as `CUDA error: driver shutting down`,
   * not a hardware failure (megatron-log-format.md §8).
   */
  shutdownNoise: boolean;
  /** True when it happened after start-up lines and before the first iteration of the segment. */
  duringStartup: boolean;
  /** The last iteration seen before the failure, or null. */
  lastIteration: number | null;
}

export interface PulseEvent extends EventBase {
  type: 'pulse';
  /** Wall-clock time as written (site-local), as epoch ms interpreting the text as UTC; null for bare ALERT text. */
  timestamp: number | null;
  /** The text after `PULSE:`. */
  message: string;
  /** Slurm job states named in the pulse, e.g. RUNNING / PENDING, when present. */
  jobState: string | null;
  alert: boolean;
  /** `1528763` or an array spec such as `1528874_[1-3%1]`, when named. */
  jobId: string | null;
  partition: string | null;
  /** Slurm node list as printed, e.g. `jean-zay-iam[01-34,36-49]`. */
  nodeList: string | null;
}

/**
 * A line longer than the limit (LogParserOptions.maxLineBytes, 1 MiB by default): not parsed and never held in
 * memory; its bytes were skipped up to its `\n`. Emitted when the line ends (or at end()), so `length` is exact.
 * `rank` comes from a `[defaultN]:` prefix in its head.
 */
export interface LineTooLongEvent extends EventBase {
  type: 'line_too_long';
  /** Bytes of the line before its `\n` (a `\r` before it included). */
  length: number;
  /** The limit it passed, in bytes. */
  limit: number;
  /** Its first bytes (at most 160), decoded: what the line was, for a reader. */
  head: string;
}

export interface DatetimeEvent extends EventBase {
  type: 'datetime';
  /** Epoch ms interpreting the written site-local time as UTC. */
  timestamp: number;
  /** The bracketed message before `datetime:`. */
  message: string;
}

/**
 * Trainboard's job start marker (`TRAINBOARD JOB START id=<slurm id> nodes=<list> time=<epoch s>`), echoed by the
 * templates as each job's first line of the main log: the start of that job's log segment. Closes open groups.
 */
export interface JobStartEvent extends EventBase {
  type: 'job_start';
  /** Slurm job id as printed ($SLURM_JOB_ID). */
  jobId: string;
  nodeList: string | null;
  /** Epoch ms (the job's own clock), or null. */
  timestamp: number | null;
}

/**
 * Not from the parser: a follower of a stream that cannot be re-read from a byte offset (a Kubernetes pod log)
 * found that lines may be missing before the line at `offset` (the kubelet rotated them away while the stream
 * was down). `message` says so in words; `after`/`before` are the last line kept and the first line back
 * (RFC3339Nano), null when unknown.
 */
export interface LogGapEvent extends EventBase {
  type: 'log_gap';
  message: string;
  after: string | null;
  before: string | null;
}

export type LogEvent =
  | IterationEvent
  | ValidationEvent
  | CheckpointSavedEvent
  | CheckpointLoadedEvent
  | RunStartEvent
  | ExitEvent
  | FailureEvent
  | PulseEvent
  | DatetimeEvent
  | TimerEvent
  | LineTooLongEvent
  | JobStartEvent
  | LogGapEvent;

export type LogEventType = LogEvent['type'];

/** Counters the parser keeps for lines that produced no event. */
export interface ParserStats {
  lines: number;
  bytes: number;
  events: number;
  /** Non-empty lines that matched no known record. */
  unknownLines: number;
  /** Lines recognised and deliberately ignored (timers, DeepSpeed INFO, NCCL INFO, memory reports). */
  ignoredLines: number;
  /** Records on which the parser itself failed (a bug): counted as unknown, never thrown. Tests expect 0. */
  internalErrors: number;
}

/**
 * A streaming parser: feed byte chunks of any size; events come back as records complete (file order except
 * for multi-line records, see the conventions above). A final line without a newline is held until more bytes
 * arrive or `end()` is called. Never throws on input. The events do not depend on where chunks are cut.
 */
export interface LogParser {
  push(chunk: Uint8Array): LogEvent[];
  /** Ends the stream: parses the held partial line and closes every open group. */
  end(): LogEvent[];
  /**
   * Closes open multi-line groups (failures, the banner) without touching the held partial line. A live tailer
   * calls it after a quiet period: the parser has no clock, and a crash is often the last thing in a log.
   */
  flush(): LogEvent[];
  /**
   * Where a new parser must start to reproduce everything not yet emitted: the start of the held partial
   * line, or of the physical line where a multi-line record still open (a failure group, the banner) began.
   * A consumer stores this with the events it commits and resumes with
   * `createLogParser({ startOffset: offset, startLine: line, context })`. Re-parsing from it may emit again
   * events whose `offset` is ≥ resumePoint.offset (lines of other writers interleaved inside an open group,
   * milestones inside the banner), identical to the first emission; consumers key events by (offset, type) and
   * ignore repeats. Nothing with a lower offset is emitted again, and nothing is lost. One exception to "≥": inside
   * a line over the limit the resume point is the next byte to read (context.longLine holds where the line began),
   * and the resumed parser emits that line's line_too_long, at its start, when the line ends — for the first time.
   */
  readonly resumePoint: ResumePoint;
  readonly stats: ParserStats;
  /** Bytes of the partial line held until its `\n` arrives: never more than maxLineBytes. */
  readonly heldBytes: number;
}

/** State that flags depend on (overhead, shutdown noise, start-up), as it was at the resume offset. JSON-safe. */
export interface ParserContext {
  lastIteration: number | null;
  /** An eval, save, load or run start happened since the last iteration. */
  overheadPending: boolean;
  /** A clean exit line was seen and no run start since. */
  afterExit: boolean;
  /** Start-up lines were seen and no iteration since. */
  inStartup: boolean;
  /**
   * Set only when the resume offset is inside a line longer than the limit (its bytes are skipped, not held):
   * where that line began and its head, so a resumed parser skips the rest of it and reports it as one pass would.
   */
  longLine?: { offset: number; line: number; head: string };
}

export interface ResumePoint {
  offset: number;
  line: number;
  /** Pass back as `LogParserOptions.context` so flags come out as they would in one pass. */
  context: ParserContext;
}

export interface LogParserOptions {
  /** Byte offset of the first chunk in the file (resuming from a stored cursor). Default 0. */
  startOffset?: number;
  /** Line number of the first line fed, 1-based. Default 1. */
  startLine?: number;
  /** The `context` stored with the resume point. */
  context?: ParserContext;
  /**
   * Longest line parsed, in bytes before its `\n` (default 1 MiB, DEFAULT_MAX_LINE_BYTES). A longer line is
   * skipped and reported as a LineTooLongEvent, so a line that never ends cannot take the memory.
   */
  maxLineBytes?: number;
}
