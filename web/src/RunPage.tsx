// A run: header, view controls (x axis, smoothing, log scale, zoom, theme — all in the URL), the live charts and
// the jobs timeline.
import { useState } from 'react';
import { X_AXES, type ViewState } from '@trainboard/shared/dashboard/viewState';
import { api } from './api.js';
import { LiveCharts } from './chart/LiveCharts.js';
import { JobsTimeline } from './JobsTimeline.js';
import { LogViewer } from './log/LogViewer.js';
import { navigate } from './navigation.js';
import { NodesGrid } from './NodesGrid.js';
import { RunHeader } from './RunHeader.js';
import { usePolling } from './usePolling.js';

export function RunPage({ runId, view, setView }: { runId: number; view: ViewState; setView: (p: Partial<ViewState>) => void }) {
  const overview = usePolling(() => api.overview(runId), 2000, [runId]);
  const [live, setLive] = useState(false);
  // Annotations, validations, axis anchors and jobs change at most a few times a minute: re-read every 5 s.
  const side = usePolling(() => Promise.all([api.annotations(runId), api.validations(runId), api.axis(runId), api.jobs(runId)]), 5000, [runId]);
  const [tab, setTab] = useState<'jobs' | 'nodes' | 'log'>('jobs');
  const [annotations, validations, anchors, jobs] = side.data ?? [[], {}, [], []];

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
      <LiveCharts runId={runId} view={view} setView={setView} annotations={annotations} validations={validations} anchors={anchors} onLive={setLive} />
      <div className="tabs">
        <button className={tab === 'jobs' ? 'active' : ''} onClick={() => setTab('jobs')}>jobs</button>
        <button className={tab === 'nodes' ? 'active' : ''} onClick={() => setTab('nodes')} data-testid="tab-nodes">nodes</button>
        <button className={tab === 'log' ? 'active' : ''} onClick={() => setTab('log')} data-testid="tab-log">log</button>
      </div>
      {tab === 'log' ? <LogViewer runId={runId} /> : tab === 'nodes' ? <NodesGrid runId={runId} /> : <JobsTimeline jobs={jobs} nowMs={Date.now()} />}
    </div>
  );
}
