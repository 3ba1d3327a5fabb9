// The run page's view controls: x axis, smoothing, log scale, zoom reset, theme, share link (which says when it
// copied), and the series export. Every view control is part of the view state in the URL, so the share link
// restores exactly this view.
import { X_AXES, type ViewState } from '@trainboard/shared/dashboard/viewState';
import { ExportLinks } from './ExportLinks.js';
import { copyOutcomeText, useCopiedFeedback } from './useCopiedFeedback.js';

export function ViewControls({
  runId,
  view,
  setView,
}: {
  runId: number;
  view: ViewState;
  setView: (p: Partial<ViewState>) => void;
}) {
  const [copied, copy] = useCopiedFeedback();
  return (
    <div className="controls">
      <label>
        x axis{' '}
        <select value={view.x} onChange={(e) => setView({ x: e.target.value as ViewState['x'] })} data-testid="x-axis">
          {X_AXES.map((x) => (
            <option key={x} value={x}>
              {x === 'time' ? 'wall time' : x}
            </option>
          ))}
        </select>
      </label>
      <label>
        smoothing{' '}
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={view.smoothing}
          data-testid="smoothing"
          onChange={(e) => setView({ smoothing: Number(e.target.value) })}
        />{' '}
        <span>{view.smoothing.toFixed(2)}</span>
      </label>
      <label>
        <input
          type="checkbox"
          checked={view.log}
          onChange={(e) => setView({ log: e.target.checked })}
          data-testid="log-scale"
        />{' '}
        log scale
      </label>
      {view.from !== null || view.to !== null ? (
        <button onClick={() => setView({ from: null, to: null })} data-testid="reset-zoom">
          zoom: {view.from ?? 0}–{view.to ?? '∞'} ✕
        </button>
      ) : (
        <span className="hint">drag on a chart to zoom</span>
      )}
      <button onClick={() => setView({ theme: view.theme === 'dark' ? 'light' : 'dark' })} data-testid="theme">
        {view.theme === 'dark' ? '☀ light' : '☾ dark'}
      </button>
      <button
        onClick={() => void copy(window.location.href)}
        title="copy a link to this exact view"
        data-testid="share"
      >
        share link
      </button>
      <span className="hint" aria-live="polite" role="status" data-testid="share-status">
        {copyOutcomeText(copied)}
      </span>
      <ExportLinks runId={runId} />
    </div>
  );
}
