// A run: header, view controls (x axis, smoothing, log scale, zoom, theme — all in the URL), the live charts and
// the jobs timeline.
import { useCallback, useMemo, useState } from 'react';
import { mapIteration } from '@trainboard/shared/dashboard/axis';
import { X_AXES, type ViewState } from '@trainboard/shared/dashboard/viewState';
import type { MetricField } from '@trainboard/shared/metrics/fields';
import { api } from './api.js';
import { JobsTimeline } from './JobsTimeline.js';
import { LogViewer } from './LogViewer.js';
import { CHART_FIELDS, useLiveSeries } from './liveSeries.js';
import { MetricChart, type Overlay } from './MetricChart.js';
import { navigate } from './navigation.js';
import { NodesGrid } from './NodesGrid.js';
import { RunHeader } from './RunHeader.js';
import { usePolling } from './usePolling.js';
import { useProgressiveCount } from './useProgressiveCount.js';

const TITLES: Record<string, string> = {
  lmLoss: 'training loss', learningRate: 'learning rate', gradNorm: 'grad norm', lossScale: 'loss scale (fp16)',
  samplesPerSecond: 'samples/s', tflops: 'TFLOPs per GPU', iterationTimeMs: 'seconds per iteration',
};
const seconds = (ms: number) => ms / 1000;

export function RunPage({ runId, view, setView }: { runId: number; view: ViewState; setView: (p: Partial<ViewState>) => void }) {
  const overview = usePolling(() => api.overview(runId), 2000, [runId]);
  const { series, live, error } = useLiveSeries(runId, view.from, view.to);
  // Annotations, validations, axis anchors and jobs change at most a few times a minute: re-read every 5 s.
  const side = usePolling(() => Promise.all([api.annotations(runId), api.validations(runId), api.axis(runId), api.jobs(runId)]), 5000, [runId]);
  const mounted = useProgressiveCount(CHART_FIELDS.length, Object.keys(series).length > 0);
  const [tab, setTab] = useState<'jobs' | 'nodes' | 'log'>('jobs');
  const [annotations, validations, anchors, jobs] = side.data ?? [[], {}, [], []];
  const toX = useCallback(
    (it: number) => (view.x === 'iteration' ? it : mapIteration(anchors, it, view.x === 'tokens' ? 1 : 2)),
    [view.x, anchors],
  );
  const overlays: Overlay[] = useMemo(
    () => Object.entries(validations).map(([name, pts]) => ({ name, points: pts.filter(([it]) => (view.from === null || it >= view.from) && (view.to === null || it <= view.to)) })),
    [validations, view.from, view.to],
  );
  const shown = (view.charts ?? CHART_FIELDS).filter((f): f is MetricField => (CHART_FIELDS as string[]).includes(f));
  const onZoom = useCallback((from: number, to: number) => setView({ from, to }), [setView]);

  return (
    <div className="run-page">
      <nav><a href="/" onClick={(e) => (e.preventDefault(), navigate('/'))}>← runs</a></nav>
      {overview.data ? <RunHeader o={overview.data} live={live} /> : <p>{overview.error ?? 'loading…'}</p>}
      <div className="controls">
        <label>x axis <select value={view.x} onChange={(e) => setView({ x: e.target.value as ViewState['x'] })} data-testid="x-axis">
          {X_AXES.map((x) => <option key={x} value={x}>{x === 'time' ? 'wall time' : x}</option>)}
        </select></label>
        <label>smoothing <input type="range" min={0} max={0.99} step={0.01} value={view.smoothing} data-testid="smoothing"
          onChange={(e) => setView({ smoothing: Number(e.target.value) })} /> <span>{view.smoothing.toFixed(2)}</span></label>
        <label><input type="checkbox" checked={view.log} onChange={(e) => setView({ log: e.target.checked })} data-testid="log-scale" /> log scale</label>
        {view.from !== null || view.to !== null ? (
          <button onClick={() => setView({ from: null, to: null })} data-testid="reset-zoom">zoom: {view.from ?? 0}–{view.to ?? '∞'} ✕</button>
        ) : <span className="hint">drag on a chart to zoom</span>}
        <button onClick={() => setView({ theme: view.theme === 'dark' ? 'light' : 'dark' })} data-testid="theme">{view.theme === 'dark' ? '☀ light' : '☾ dark'}</button>
        <button onClick={() => void navigator.clipboard?.writeText(window.location.href)} title="copy a link to this exact view">share link</button>
      </div>
      {error && <p className="error">{error}</p>}
      <div className="charts">
        {shown.slice(0, mounted).map((f) => {
          const s = series[f];
          if (f === 'lossScale' && !(s?.points.length)) return null; // only fp16 runs log a loss scale
          return (
            <MetricChart key={f} id={f} title={TITLES[f] ?? f} points={s?.points ?? []} sampled={s?.sampled ?? false}
              {...(f === 'lmLoss' ? { overlays } : {})} {...(f === 'iterationTimeMs' ? { scaleY: seconds } : {})}
              annotations={annotations} smoothing={view.smoothing} log={view.log} xKind={view.x} toX={toX} onZoom={onZoom} />
          );
        })}
      </div>
      <div className="tabs">
        <button className={tab === 'jobs' ? 'active' : ''} onClick={() => setTab('jobs')}>jobs</button>
        <button className={tab === 'nodes' ? 'active' : ''} onClick={() => setTab('nodes')} data-testid="tab-nodes">nodes</button>
        <button className={tab === 'log' ? 'active' : ''} onClick={() => setTab('log')} data-testid="tab-log">log</button>
      </div>
      {tab === 'log' ? <LogViewer runId={runId} /> : tab === 'nodes' ? <NodesGrid runId={runId} /> : <JobsTimeline jobs={jobs} nowMs={Date.now()} />}
    </div>
  );
}
