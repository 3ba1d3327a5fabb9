// Which charts the run page shows, kept in the URL (`charts=`): a disclosure with a checkbox per chart.
import type { ChartChoice } from './chartIds.js';

interface Props {
  choices: readonly ChartChoice[];
  shown: ReadonlySet<string>;
  onToggle: (id: string, on: boolean) => void;
}

export function ChartPicker({ choices, shown, onToggle }: Props) {
  const count = choices.filter((c) => shown.has(c.id)).length;
  return (
    <details className="chart-picker" data-testid="chart-picker">
      <summary>
        charts ({count} of {choices.length})
      </summary>
      <fieldset>
        <legend className="visually-hidden">charts shown</legend>
        {choices.map((c) => (
          <label key={c.id}>
            <input
              type="checkbox"
              checked={shown.has(c.id)}
              onChange={(e) => onToggle(c.id, e.target.checked)}
              data-testid={`pick-${c.id}`}
            />
            {c.title}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
