// What on one record says the training has gone numerically wrong (F6). Megatron drops the `lm loss` field when the
// loss is NaN (tr8 9027), so a missing loss on a complete line is a signal; on a doc-wrapped fragment (truncated)
// absent fields are unknown, never missing, and in a log that never printed a loss (another fork's format) the
// field is simply not there. Without DeepSpeed it is also absent when every iteration of the interval was skipped
// (an fp16 overflow, megatron-log-format.md §2): that line reports its skips, a NaN line reports none. DeepSpeed keeps the nan counter at 0, but when it is set it means it.
import type { IterationEvent, ValidationEvent } from '../../log/events.js';
import { fmt } from './incidentParts.js';

export type DivergenceSignal =
  | 'loss_missing'
  | 'loss_non_finite'
  | 'grad_norm_non_finite'
  | 'nan_iterations'
  | 'skipped_iterations'
  | 'loss_high'
  | 'validation_non_finite';

export interface SignalHit {
  signal: DivergenceSignal;
  /** What was seen, in words, for the evidence. */
  text: string;
}

/**
 * The immediate signals of one iteration line (the stateful ones, skipped and high, are the detector's).
 * `lossSeen`: an earlier line of this log carried an lm loss, so its absence here means something.
 */
export function iterationSignals(e: IterationEvent, lossSeen: boolean): SignalHit[] {
  const hits: SignalHit[] = [];
  if (e.lmLoss === null && !e.truncated && lossSeen && !((e.skippedIterations ?? 0) > 0)) {
    hits.push({ signal: 'loss_missing', text: 'the lm loss field is missing (Megatron omits a NaN loss)' });
  }
  if (e.lmLoss !== null && !Number.isFinite(e.lmLoss)) {
    hits.push({ signal: 'loss_non_finite', text: `lm loss ${fmt(e.lmLoss)}` });
  }
  if (e.gradNorm !== null && !Number.isFinite(e.gradNorm)) {
    hits.push({ signal: 'grad_norm_non_finite', text: `grad norm ${fmt(e.gradNorm)}` });
  }
  if (e.nanIterations !== null && e.nanIterations > 0) {
    hits.push({ signal: 'nan_iterations', text: `number of nan iterations: ${e.nanIterations}` });
  }
  return hits;
}

/** A validation loss that is NaN or infinite (`lm loss value: NAN`). */
export function validationSignal(e: ValidationEvent): SignalHit | null {
  return e.lmLoss !== null && !Number.isFinite(e.lmLoss)
    ? { signal: 'validation_non_finite', text: `validation ${e.group} lm loss ${fmt(e.lmLoss)}` }
    : null;
}
