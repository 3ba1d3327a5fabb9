// Pick the runs to overlay on this run's charts: a labelled list of the other runs and a chip per compared run with
// a remove button. The choice lives in the URL (view.compare), so a shared link shows the same comparison.
import { MAX_COMPARED_RUNS, type ViewState } from '@trainboard/shared/dashboard/viewState';
import { runLabel } from './compareOverlays.js';
import './ComparePicker.css';

export function ComparePicker({
  runId,
  compare,
  names,
  setView,
}: {
  runId: number;
  compare: readonly number[];
  names: readonly { id: number; name: string }[];
  setView: (p: Partial<ViewState>) => void;
}) {
  const shown = compare.filter((id) => id !== runId);
  const choices = names.filter((r) => r.id !== runId && !shown.includes(r.id));
  const full = shown.length >= MAX_COMPARED_RUNS;
  const label = (id: number) => runLabel(id, names);
  return (
    <div className="compare-picker" data-testid="compare-picker">
      <label>
        compare with{' '}
        <select
          value=""
          disabled={full || choices.length === 0}
          data-testid="compare-add"
          onChange={(e) => e.target.value && setView({ compare: [...shown, Number(e.target.value)] })}
        >
          <option value="">
            {full ? `at most ${MAX_COMPARED_RUNS} runs` : choices.length === 0 ? 'no other run' : 'add a run…'}
          </option>
          {choices.map((r) => (
            <option key={r.id} value={r.id}>
              {label(r.id)}
            </option>
          ))}
        </select>
      </label>
      {shown.length > 0 && (
        <ul className="compare-chips" aria-label="compared runs">
          {shown.map((id) => (
            <li key={id}>
              <span className="compare-dash" aria-hidden="true" /> {label(id)}{' '}
              <button
                type="button"
                aria-label={`stop comparing with ${label(id)}`}
                data-testid={`compare-remove-${id}`}
                onClick={() => setView({ compare: shown.filter((other) => other !== id) })}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
