// Builders of parser events for tests (imported by *.test.ts only): defaults for every field, overrides by name.
import type {
  IterationEvent,
  LogEvent,
  ResumePoint,
  RunStartEvent,
  ValidationEvent,
} from '@trainboard/shared/log/events';

export function buildIteration(o: Partial<IterationEvent> & { iteration: number; offset: number }): IterationEvent {
  return {
    type: 'iteration',
    line: o.offset + 1,
    rank: null,
    trainIters: 1000,
    consumedSamples: o.iteration * 16,
    consumedTokens: null,
    iterationTimeMs: 1000,
    learningRate: 6e-5,
    globalBatchSize: 16,
    lmLoss: 5 - o.iteration / 1000,
    lossScale: 4096,
    gradNorm: 1.5,
    numZeros: null,
    skippedIterations: 0,
    nanIterations: 0,
    samplesPerSecond: 16,
    tflops: null,
    extra: {},
    timestamp: null,
    overhead: false,
    truncated: false,
    ...o,
  };
}

export function buildValidation(o: Partial<ValidationEvent> & { offset: number; group: string }): ValidationEvent {
  return {
    type: 'validation',
    line: o.offset + 1,
    rank: null,
    iteration: null,
    split: null,
    lmLoss: 3,
    ppl: 20,
    extra: {},
    afterIteration: null,
    ...o,
  };
}

export function buildRunStart(offset: number, config: Partial<RunStartEvent['config']> = {}): RunStartEvent {
  return { type: 'run_start', offset, line: offset + 1, rank: 0, config: { args: {}, ...config } };
}

export function buildDatetime(
  offset: number,
  timestamp: number,
  message = 'before the start of training step',
): LogEvent {
  return { type: 'datetime', offset, line: offset + 1, rank: 0, timestamp, message };
}

export function cursorAt(offset: number, line: number): ResumePoint {
  return { offset, line, context: { lastIteration: null, overheadPending: false, afterExit: false, inStartup: false } };
}
