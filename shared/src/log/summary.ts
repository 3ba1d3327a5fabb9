// A run summary folded from parser events (`trainboard parse` without --json). Pure: the CLI feeds events in.

import type { ExitReason, FailureKind, LogEvent, ParserStats } from './events.js';

export interface LogSummary {
  iterations: number;
  firstIteration: number | null;
  lastIteration: number | null;
  /** Loss of the last iteration line that carried one. */
  lastLoss: number | null;
  lastLossIteration: number | null;
  /** Iteration lines without a loss field (NaN/≤0 in Megatron), truncated lines excluded. */
  missingLoss: number;
  trainIters: number | null;
  validations: number;
  runStarts: number;
  checkpointsSaved: number;
  lastCheckpoint: number | null;
  failures: number;
  failuresByKind: Partial<Record<FailureKind, number>>;
  /** Failures flagged as shutdown noise (after a clean exit); included in `failures`. */
  shutdownNoise: number;
  exits: Partial<Record<ExitReason, number>>;
  pulses: number;
  alerts: number;
  unknownLines: number;
  lines: number;
  /** Lines over the parser's limit, skipped unparsed (line_too_long events). */
  longLines: number;
}

export function emptySummary(): LogSummary {
  return {
    iterations: 0,
    firstIteration: null,
    lastIteration: null,
    lastLoss: null,
    lastLossIteration: null,
    missingLoss: 0,
    trainIters: null,
    validations: 0,
    runStarts: 0,
    checkpointsSaved: 0,
    lastCheckpoint: null,
    failures: 0,
    failuresByKind: {},
    shutdownNoise: 0,
    exits: {},
    pulses: 0,
    alerts: 0,
    unknownLines: 0,
    lines: 0,
    longLines: 0,
  };
}

/** Folds events into a summary; returns a new object (the input is not changed). */
export function summarizeEvents(events: Iterable<LogEvent>, start: LogSummary = emptySummary()): LogSummary {
  const s: LogSummary = { ...start, failuresByKind: { ...start.failuresByKind }, exits: { ...start.exits } };
  for (const e of events) {
    switch (e.type) {
      case 'iteration':
        s.iterations++;
        s.firstIteration ??= e.iteration;
        s.lastIteration = e.iteration;
        s.trainIters = e.trainIters;
        if (e.lmLoss !== null) {
          s.lastLoss = e.lmLoss;
          s.lastLossIteration = e.iteration;
        } else if (!e.truncated) s.missingLoss++;
        break;
      case 'validation':
        s.validations++;
        break;
      case 'run_start':
        s.runStarts++;
        break;
      case 'checkpoint_saved':
        s.checkpointsSaved++;
        s.lastCheckpoint = e.iteration;
        break;
      case 'failure':
        s.failures++;
        s.failuresByKind[e.kind] = (s.failuresByKind[e.kind] ?? 0) + 1;
        if (e.shutdownNoise) s.shutdownNoise++;
        break;
      case 'exit':
        s.exits[e.reason] = (s.exits[e.reason] ?? 0) + 1;
        break;
      case 'pulse':
        s.pulses++;
        if (e.alert) s.alerts++;
        break;
      case 'line_too_long':
        s.longLines++;
        break;
      default:
        break;
    }
  }
  return s;
}

/** Adds the parser's line counters. */
export function withStats(summary: LogSummary, stats: ParserStats): LogSummary {
  return { ...summary, unknownLines: stats.unknownLines, lines: stats.lines };
}

function counts(map: Partial<Record<string, number>>): string {
  const parts = Object.entries(map).map(([k, n]) => `${k} ${n}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** A few lines for a terminal. */
export function formatSummary(s: LogSummary): string {
  const loss = s.lastLoss === null ? 'none' : `${s.lastLoss} (iteration ${s.lastLossIteration})`;
  const range =
    s.iterations === 0
      ? ''
      : ` (${s.firstIteration} … ${s.lastIteration}${s.trainIters === null ? '' : ` of ${s.trainIters}`})`;
  return [
    `lines:             ${s.lines} (${s.unknownLines} unknown${s.longLines > 0 ? `, ${s.longLines} too long to parse` : ''})`,
    `iterations seen:   ${s.iterations}${range}`,
    `last iteration:    ${s.lastIteration ?? 'none'}`,
    `last loss:         ${loss}${s.missingLoss > 0 ? `; ${s.missingLoss} line(s) without a loss (NaN)` : ''}`,
    `validation lines:  ${s.validations}`,
    `run starts:        ${s.runStarts}`,
    `checkpoints saved: ${s.checkpointsSaved}${s.lastCheckpoint === null ? '' : ` (last at ${s.lastCheckpoint})`}`,
    `exits:             ${counts(s.exits)}`,
    `failures:          ${s.failures === 0 ? 'none' : counts(s.failuresByKind)}${s.shutdownNoise > 0 ? ` (${s.shutdownNoise} after a clean exit)` : ''}`,
    `watchdog pulses:   ${s.pulses}${s.alerts > 0 ? ` (${s.alerts} alert(s))` : ''}`,
  ].join('\n');
}
