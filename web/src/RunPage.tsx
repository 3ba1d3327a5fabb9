// A run: header, view controls (all in the URL), the live charts, and tabs for the jobs timeline, nodes and log.
import { useState } from 'react';
import { Link } from 'react-router';
import type { ViewState } from '@trainboard/shared/dashboard/viewState';
import { useCanOperate } from './auth/SessionContext.js';
import { ActionDialogHost } from './control/ActionDialogHost.js';
import { RunControls } from './control/RunControls.js';
import { useRunControl } from './control/useRunControl.js';
import { useOverview, useRunSide } from './data/runQueries.js';
import { LiveCharts } from './chart/LiveCharts.js';
import { JobRowButtons } from './control/JobRowButtons.js';
import { JobsTimeline } from './JobsTimeline.js';
import { LogViewer } from './log/LogViewer.js';
import { NodesGrid } from './NodesGrid.js';
import { RunHeader } from './RunHeader.js';
import { ViewControls } from './ViewControls.js';

export function RunPage({
  runId,
  view,
  setView,
}: {
  runId: number;
  view: ViewState;
  setView: (p: Partial<ViewState>) => void;
}) {
  const overview = useOverview(runId);
  const [live, setLive] = useState(false);
  const [tab, setTab] = useState<'jobs' | 'nodes' | 'log'>('jobs');
  const { annotations, validations, anchors, jobs } = useRunSide(runId);
  const canOperate = useCanOperate();
  const { control, dialog, openDialog, closeDialog } = useRunControl(runId);
  const operable = canOperate && control !== null && control.desiredState !== null;

  return (
    <div className="run-page">
      <nav>
        <Link to="/">← runs</Link>
      </nav>
      {overview.data ? <RunHeader o={overview.data} live={live} /> : <p>{overview.error?.message ?? 'loading…'}</p>}
      {control && <RunControls control={control} canOperate={canOperate} onOpen={openDialog} />}
      {dialog && control && (
        <ActionDialogHost runId={runId} request={dialog} control={control} jobs={jobs} onClose={closeDialog} />
      )}
      <ViewControls runId={runId} view={view} setView={setView} />
      <LiveCharts
        runId={runId}
        view={view}
        setView={setView}
        annotations={annotations}
        validations={validations}
        anchors={anchors}
        onLive={setLive}
      />
      <div className="tabs">
        <button className={tab === 'jobs' ? 'active' : ''} onClick={() => setTab('jobs')}>
          jobs
        </button>
        <button className={tab === 'nodes' ? 'active' : ''} onClick={() => setTab('nodes')} data-testid="tab-nodes">
          nodes
        </button>
        <button className={tab === 'log' ? 'active' : ''} onClick={() => setTab('log')} data-testid="tab-log">
          log
        </button>
      </div>
      {tab === 'log' ? (
        <LogViewer runId={runId} />
      ) : tab === 'nodes' ? (
        <NodesGrid runId={runId} />
      ) : (
        <JobsTimeline
          jobs={jobs}
          nowMs={Date.now()}
          rowActions={operable ? (j) => <JobRowButtons job={j} jobs={jobs} onOpen={openDialog} /> : undefined}
        />
      )}
    </div>
  );
}
