// The time of each event of an imported log, for the detectors: a continuous clock that never jumps backwards.
// Like the ingest's estimator (server/src/ingest/timeEstimator.ts) it walks forwards with `elapsed time per
// iteration` × iterations done, and takes the log's own stamps (`datetime:` milestones, PULSE lines, NVIDIA
// iteration timestamps) as anchors. Unlike it, the detectors cannot wait to fill times backwards, so the clock
// starts at 0 and the first stamp only fixes the offset to wall time (`shiftMs`): the time before it is taken to
// be the walk's, and no gap appears where none can be measured. Later stamps move the clock forwards when they
// are ahead of the walk (time passed without iterations: a hang shows up here) and are ignored when behind.
import type { LogEvent } from '../log/events.js';

export class LogClock {
  /** The clock's time, ms from the log's first event (before the first stamp) or its own frame. */
  nowMs = 0;
  /** Add to a clock time to get epoch ms (site-local read as UTC); null until the first stamp. */
  shiftMs: number | null = null;
  private lastIteration: number | null = null;

  /** Advances the clock for `e` and returns the event's time. */
  observe(e: LogEvent): number {
    const stamp = ownStamp(e);
    if (e.type === 'iteration') this.walk(e.iteration, e.iterationTimeMs);
    if (e.type === 'checkpoint_loaded') this.lastIteration = e.iteration;
    if (stamp !== null) this.anchor(stamp);
    return this.nowMs;
  }

  /** Epoch ms for a clock time, when the log carried a stamp; else the clock time itself. */
  toEpoch(timeMs: number): number {
    return this.shiftMs === null ? timeMs : timeMs + this.shiftMs;
  }

  private walk(iteration: number, perIterationMs: number | null): void {
    const steps = this.lastIteration !== null && iteration > this.lastIteration ? iteration - this.lastIteration : 1;
    this.lastIteration = iteration;
    if (perIterationMs !== null && Number.isFinite(perIterationMs) && perIterationMs > 0) {
      this.nowMs += perIterationMs * steps;
    }
  }

  private anchor(epochMs: number): void {
    if (this.shiftMs === null) {
      this.shiftMs = epochMs - this.nowMs;
      return;
    }
    const t = epochMs - this.shiftMs;
    if (t > this.nowMs) this.nowMs = t;
  }
}

/** A stamp the line itself carries, in the site's clock. Job start markers are real UTC: not mixed in. */
function ownStamp(e: LogEvent): number | null {
  switch (e.type) {
    case 'datetime':
      return e.timestamp;
    case 'pulse':
      return e.timestamp;
    case 'exit':
      return e.timestamp;
    case 'iteration':
      return e.timestamp;
    default:
      return null;
  }
}
