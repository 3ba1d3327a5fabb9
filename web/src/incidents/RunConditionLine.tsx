// The header's condition line: "✕ down — Crash: CUDA error on c3 after iteration 119", from the open incidents and
// the run's health (runCondition, shared). The word and icon say it; the colour only repeats them.
import type { RunCondition } from '@trainboard/shared/detect/runCondition';

const ICON: Record<RunCondition['condition'], string> = { healthy: '✓', degraded: '⚠', down: '✕' };

export function RunConditionLine({ condition }: { condition: RunCondition }) {
  return (
    <p
      className={`run-condition condition-${condition.condition}`}
      data-testid="run-condition"
      data-condition={condition.condition}
    >
      <span aria-hidden="true">{ICON[condition.condition]} </span>
      <span className="condition-word">{condition.condition}</span> — {condition.why}
    </p>
  );
}
