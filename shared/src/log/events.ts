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

export interface EventBase {
  type: string;
  /** Byte offset of the record's first byte in the stream. */
  offset: number;
  /** 1-based physical line number. */
  line: number;
  /** Local rank from a `[defaultN]:` prefix; null without a prefix. */
  rank: number | null;
}

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
  iteration: number | null;
  message: string;
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
}

export interface PulseEvent extends EventBase {
  type: 'pulse';
  /** Wall-clock time as written (site-local), as epoch ms interpreting the text as UTC. */
  timestamp: number;
  /** The text after `PULSE:`. */
  message: string;
  /** Slurm job states named in the pulse, e.g. RUNNING / PENDING, when present. */
  jobState: string | null;
  alert: boolean;
}

export interface DatetimeEvent extends EventBase {
  type: 'datetime';
  /** Epoch ms interpreting the written site-local time as UTC. */
  timestamp: number;
  /** The bracketed message before `datetime:`. */
  message: string;
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
  | DatetimeEvent;

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
}

/**
 * A streaming parser: feed byte chunks of any size; events come back in file order.
 * A final line without a newline is held until more bytes arrive or `end()` is called.
 * Never throws on input.
 */
export interface LogParser {
  push(chunk: Uint8Array): LogEvent[];
  end(): LogEvent[];
  /**
   * Where a new parser must start to reproduce everything not yet emitted: the start of the held partial
   * line, or of a multi-line group (a traceback) still open. A consumer stores this with the events it
   * commits. Re-parsing from it may emit again events whose `offset` is ≥ resumePoint.offset (lines of
   * other writers interleaved inside an open group), so consumers key events by offset and ignore repeats.
   */
  readonly resumePoint: { offset: number; line: number };
  readonly stats: ParserStats;
}

export interface LogParserOptions {
  /** Byte offset of the first chunk in the file (resuming from a stored cursor). Default 0. */
  startOffset?: number;
  /** Line number of the first line fed, 1-based. Default 1. */
  startLine?: number;
}
