// Test helpers for the metric detectors (tests only): iteration events built from a few numbers, and a replay that
// feeds events in file order through the shared RunTracker, timed by the log's own iteration times.
import type { IterationEvent, LogEvent, RunStartEvent } from '../log/events.js';
import type { DetectContext, Detector } from '../detect/detector.js';
import type { Incident } from '../detect/incident.js';
import { RunTracker } from '../detect/runState.js';
import { byOffset } from './parseAll.js';

let nextOffset = 0;

/** An iteration event with every field absent except those given; offsets grow by 300 bytes per event. */
export function iteration(iterationNo: number, fields: Partial<IterationEvent> = {}): IterationEvent {
  nextOffset += 300;
  return {
    type: 'iteration',
    offset: nextOffset,
    line: nextOffset / 300,
    rank: null,
    iteration: iterationNo,
    trainIters: 100000,
    consumedSamples: null,
    consumedTokens: null,
    iterationTimeMs: null,
    learningRate: null,
    globalBatchSize: null,
    lmLoss: null,
    lossScale: null,
    gradNorm: null,
    numZeros: null,
    skippedIterations: null,
    nanIterations: null,
    samplesPerSecond: null,
    tflops: null,
    extra: {},
    timestamp: null,
    overhead: false,
    truncated: false,
    ...fields,
  };
}

export function runStart(worldSize: number): RunStartEvent {
  nextOffset += 300;
  return { type: 'run_start', offset: nextOffset, line: nextOffset / 300, rank: null, config: { worldSize, args: {} } };
}

export function checkpointSaved(iterationNo: number): LogEvent {
  nextOffset += 300;
  return {
    type: 'checkpoint_saved',
    offset: nextOffset,
    line: nextOffset / 300,
    rank: null,
    iteration: iterationNo,
    path: null,
  };
}

/**
 * Replays events (sorted by offset) through one detector built on a fresh RunTracker. Time advances by each
 * iteration's own elapsed time (1 s when absent), as an import without stamps would.
 */
export function replay(make: (ctx: DetectContext) => Detector, events: readonly LogEvent[]): Incident[] {
  const run = new RunTracker();
  const detector = make({ run });
  let timeMs = 0;
  for (const event of byOffset(events)) {
    if (event.type === 'iteration') timeMs += event.iterationTimeMs ?? 1000;
    run.update(event);
    detector.observe({ event, timeMs });
  }
  detector.tick(timeMs);
  return detector.incidents();
}
