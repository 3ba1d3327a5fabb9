// A run: its health first (the banner), the header, view controls (all in the URL), the live charts, and tabs for
// the jobs timeline, nodes and log. The health is recomputed every second in the browser from the server's inputs,
// this page's connection and a clock mapped to the server's; while the server cannot be reached a banner says
// since when, nothing counts on the browser clock, and the page recovers by itself when the server is back.
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import type { ViewState } from '@trainboard/shared/dashboard/viewState';
import { useCanOperate } from './auth/SessionContext.js';
import { ActionDialogHost } from './control/ActionDialogHost.js';
import { RunControls } from './control/RunControls.js';
import { useRunControl } from './control/useRunControl.js';
import { useOverview, useRunSide } from './data/runQueries.js';
import { LiveCharts } from './chart/LiveCharts.js';
import { JobRowButtons } from './control/JobRowButtons.js';
import { ConnectionBanner, HealthBanner } from './health/HealthBanner.js';
import { headerValues, lastValidation } from './health/headerValues.js';
import { useNewestLivePoint } from './health/newestPoint.js';
import { useDocumentHealth } from './health/useDocumentHealth.js';
import { useRunHealth } from './health/useRunHealth.js';
import { useQueryConnection, useRefetchOnRunUpdate } from './health/useQueryConnection.js';
import { JobsTimeline } from './JobsTimeline.js';
import { LogViewer } from './log/LogViewer.js';
import { NodesGrid } from './NodesGrid.js';
import { RunHeader } from './RunHeader.js';
import { Tabs, type TabSpec } from './tabs/Tabs.js';
import { ViewControls } from './ViewControls.js';

const RUN_TABS: readonly TabSpec<'jobs' | 'nodes' | 'log'>[] = [
  { key: 'jobs', label: 'jobs', testId: 'tab-jobs' },
  { key: 'nodes', label: 'nodes', testId: 'tab-nodes' },
  { key: 'log', label: 'log', testId: 'tab-log' },
];

/** The page's health: overview + connection + live point, recomputed every second. */
function usePageHealth(runId: number) {
  const overview = useOverview(runId);
  const connection = useQueryConnection(overview);
  useRefetchOnRunUpdate(runId);
  const live = useNewestLivePoint(runId);
  const o = overview.data ?? null;
  const page = useRunHealth(o?.healthInputs ?? null, overview.dataUpdatedAt, connection, live);
  useDocumentHealth(page?.health ?? null, o?.run.name ?? null);
  return { overview, o, connection, live, page };
}

export function RunPage({
  runId,
  view,
  setView,
}: {
  runId: number;
  view: ViewState;
  setView: (p: Partial<ViewState>) => void;
}) {
  const { overview, o, connection, live: livePoint, page } = usePageHealth(runId);
  const [live, setLive] = useState(false);
  const [tab, setTab] = useState<'jobs' | 'nodes' | 'log'>('jobs');
  const { annotations, validations, anchors, jobs } = useRunSide(runId);
  const canOperate = useCanOperate();
  const { control, dialog, openDialog, closeDialog } = useRunControl(runId);
  const operable = canOperate && control !== null && control.desiredState !== null;
  const values = useMemo(() => headerValues(o?.latest ?? null, livePoint), [o?.latest, livePoint]);
  const validation = useMemo(() => lastValidation(validations), [validations]);

  return (
    <div className="run-page">
      <nav>
        <Link to="/">← runs</Link>
      </nav>
      {connection.lostAtMs !== null && <ConnectionBanner lostAtMs={page?.lostAtMs ?? connection.lostAtMs} />}
      {page && connection.connected && <HealthBanner health={page.health} />}
      {o && page ? (
        <RunHeader
          o={o}
          health={page.health}
          nowMs={page.nowMs}
          connected={connection.connected}
          live={live}
          values={values}
          validation={validation}
        />
      ) : (
        <p role="status">{overview.error?.message ?? 'loading…'}</p>
      )}
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
      <Tabs label="run details" tabs={RUN_TABS} selected={tab} onSelect={(key) => setTab(key)}>
        {tab === 'log' ? (
          <LogViewer runId={runId} />
        ) : tab === 'nodes' ? (
          <NodesGrid runId={runId} />
        ) : (
          <JobsTimeline
            jobs={jobs}
            nowMs={page?.nowMs ?? Date.now()}
            rowActions={operable ? (j) => <JobRowButtons job={j} jobs={jobs} onOpen={openDialog} /> : undefined}
          />
        )}
      </Tabs>
    </div>
  );
}
