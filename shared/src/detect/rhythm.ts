// The run's own rhythm, learnt from its events, and the deadline of each section derived from it (F3, F14):
// a step (median interval between iteration records × factor, plus the save and eval that follow an iteration at
// their interval), an eval (per-group time × the groups still to come), start-up (banner → first iteration).
// Times are DetectInput times, so the same learning works live (arrival) and on import (the log's clock).
import type { LogEvent } from '../log/events.js';

export interface DeadlineOptions {
  /** Step deadline = stepFactor × median interval between iteration records. */
  stepFactor: number;
  /** Eval deadline = evalFactor × per-group time × groups still to come. */
  evalFactor: number;
  /** Never less than this for a step (timing jitter on fast runs). */
  minStepMs: number;
  /** Start-up deadline when no earlier start-up of the run was seen (configurable: the sources don't measure it). */
  startupMs: number;
  /** Per-group eval time and group count before one full eval round was seen. */
  defaultGroupMs: number;
  defaultGroups: number;
  /** A save's allowance before one was seen (only after an iteration at the save interval). */
  defaultSaveMs: number;
}

export const DEFAULT_DEADLINES: DeadlineOptions = {
  stepFactor: 3,
  evalFactor: 2,
  minStepMs: 60_000,
  startupMs: 60 * 60_000,
  defaultGroupMs: 60_000,
  defaultGroups: 30,
  defaultSaveMs: 10 * 60_000,
};

const WINDOW = 51;

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export class Rhythm {
  private intervals: number[] = [];
  private groupGaps: number[] = [];
  private startups: number[] = [];
  private saveMs: number | null = null;
  private groupsPerEval: number | null = null;
  private saveInterval: number | null = null;
  private evalInterval: number | null = null;
  private lastIterAt: number | null = null;
  private lastIteration: number | null = null;
  /** The last record's own `elapsed time per iteration`: the step's scale before an interval was measured. */
  private lastPerIterationMs: number | null = null;
  private startAt: number | null = null;
  private roundIteration: number | null = null;
  private roundGroups = 0;
  private lastValidationAt: number | null = null;
  private lastSavedIteration: number | null = null;
  private lastEvalIteration: number | null = null;

  constructor(readonly opts: DeadlineOptions = DEFAULT_DEADLINES) {}

  observe(e: LogEvent, t: number): void {
    switch (e.type) {
      case 'run_start':
      case 'job_start':
        if (e.type === 'run_start') this.readIntervals(e.config.args);
        this.startAt ??= t;
        this.lastIterAt = null;
        break;
      case 'iteration':
        this.onIteration(e.iteration, e.overhead, t);
        if (e.iterationTimeMs !== null && Number.isFinite(e.iterationTimeMs) && !e.overhead) {
          this.lastPerIterationMs = e.iterationTimeMs;
        }
        break;
      case 'validation':
        this.onValidation(e.iteration ?? e.afterIteration, t);
        break;
      case 'checkpoint_saved':
        this.onSaved(e.iteration, t);
        break;
      case 'timer': {
        const save = e.timers['save-checkpoint'];
        if (save !== undefined) this.saveMs = Math.max(this.saveMs ?? 0, save);
        break;
      }
      default:
        break;
    }
  }

  /** The deadline after the last iteration (its eval and save included when one is due). */
  stepDeadline(): number {
    let d = this.stepBase();
    const it = this.lastIteration;
    if (it !== null && this.saveInterval !== null && it % this.saveInterval === 0) {
      d += (this.saveMs ?? this.opts.defaultSaveMs) * 1.5;
    }
    if (it !== null && this.evalInterval !== null && it % this.evalInterval === 0) d += this.evalDeadline(0);
    return d;
  }

  /** The deadline inside an eval round, `seen` groups already printed: the groups to come, then the next step. */
  evalDeadline(seen: number): number {
    const groups = this.groupsPerEval ?? this.opts.defaultGroups;
    const perGroup = median(this.groupGaps) ?? this.opts.defaultGroupMs;
    const remaining = Math.max(1, groups - seen);
    return perGroup * remaining * this.opts.evalFactor + this.stepBase() + (this.saveMs ?? 0);
  }

  /** A step alone: stepFactor × the median interval (or the last record's own time), at least minStepMs. */
  private stepBase(): number {
    const scale = median(this.intervals) ?? this.lastPerIterationMs ?? 0;
    return Math.max(this.opts.minStepMs, scale * this.opts.stepFactor);
  }

  startupDeadline(): number {
    const learnt = this.startups.length > 0 ? Math.max(...this.startups) * this.opts.stepFactor : 0;
    return Math.max(this.opts.startupMs, learnt);
  }

  /** Groups printed in the current eval round. */
  get groupsSeen(): number {
    return this.roundGroups;
  }

  private onIteration(iteration: number, overhead: boolean, t: number): void {
    if (this.startAt !== null) {
      this.startups.push(t - this.startAt);
      this.startAt = null;
    } else if (this.lastIterAt !== null && !overhead && iteration > (this.lastIteration ?? -1)) {
      this.intervals.push(t - this.lastIterAt);
      if (this.intervals.length > WINDOW) this.intervals.shift();
    }
    this.lastIterAt = t;
    this.lastIteration = iteration;
    this.closeRound();
  }

  private onValidation(iteration: number | null, t: number): void {
    if (iteration !== this.roundIteration) {
      this.closeRound();
      this.roundIteration = iteration;
      if (iteration !== null && this.lastEvalIteration !== null && iteration > this.lastEvalIteration) {
        this.evalInterval ??= iteration - this.lastEvalIteration;
      }
      this.lastEvalIteration = iteration;
    }
    const since = this.lastValidationAt ?? this.lastIterAt;
    if (since !== null && this.roundGroups > 0) this.groupGaps.push(t - since);
    if (this.groupGaps.length > WINDOW) this.groupGaps.shift();
    this.roundGroups += 1;
    this.lastValidationAt = t;
  }

  private closeRound(): void {
    if (this.roundGroups > 1) this.groupsPerEval = Math.max(this.groupsPerEval ?? 0, this.roundGroups);
    this.roundGroups = 0;
    this.roundIteration = null;
    this.lastValidationAt = null;
  }

  private onSaved(iteration: number, t: number): void {
    if (this.lastSavedIteration !== null && iteration > this.lastSavedIteration) {
      this.saveInterval ??= iteration - this.lastSavedIteration;
    }
    this.lastSavedIteration = iteration;
    if (this.lastIterAt !== null && this.saveMs === null) this.saveMs = t - this.lastIterAt;
  }

  private readIntervals(args: Record<string, string>): void {
    const save = Number(args['save_interval']);
    const ev = Number(args['eval_interval']);
    if (Number.isInteger(save) && save > 0) this.saveInterval = save;
    if (Number.isInteger(ev) && ev > 0) this.evalInterval = ev;
  }
}
