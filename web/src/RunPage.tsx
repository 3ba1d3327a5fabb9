// A run: its health first (the banner), the header, view controls (all in the URL), the live charts, and tabs for
// the jobs timeline, nodes and log. The health is recomputed every second in the browser from the server's inputs,
// this page's connection and a clock mapped to the server's; while the server cannot be reached a banner says
// since when, nothing counts on the browser clock, and the page recovers by itself when the server is back.
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import type { ViewState } from '@trainboard/shared/dashboard/viewState';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { runCondition } from '@trainboard/shared/detect/runCondition';
import type { Overview } from './api.js';
import { useCanOperate } from './auth/SessionContext.js';
import { ActionDialogHost } from './control/ActionDialogHost.js';
import { RunControls } from './control/RunControls.js';
import { useRunControl } from './control/useRunControl.js';
import { useIncidents, useOverview, useRunSide } from './data/runQueries.js';
import { LiveCharts } from './chart/LiveCharts.js';
import { ComparePicker } from './compare/ComparePicker.js';
import { useComparedRuns, useRunNames } from './compare/useComparedRuns.js';
import { JobRowButtons } from './control/JobRowButtons.js';
import { PublicPageButton } from './control/PublicPageDialog.js';
import { RecoveryPolicySection } from './control/RecoveryPolicySection.js';
import type { ConnectionState } from './health/connection.js';
import { ConnectionBanner, HealthBanner } from './health/HealthBanner.js';
import { headerValues, lastValidation } from './health/headerValues.js';
import { useNewestLivePoint } from './health/newestPoint.js';
import { pageNowMs } from './health/serverClock.js';
import { useDocumentHealth } from './health/useDocumentHealth.js';
import { HEALTH_TICK_MS, useRunHealth, useTicker } from './health/useRunHealth.js';
import { useQueryConnection, useRefetchOnRunUpdate } from './health/useQueryConnection.js';
import { IncidentsPanel } from './incidents/IncidentsPanel.js';
import { incidentMarks } from './incidents/incidentView.js';
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

interface StatusProps {
  runId: number;
  o: Overview | null;
  loadError: string | null;
  receivedAtMs: number;
  connection: ConnectionState;
  validations: Record<string, [number, number | null][]>;
  /** The charts' socket is subscribed. */
  live: boolean;
  incidents: readonly StoredIncident[];
}

/**
 * The banner and the header, with the charts' newest point and a one-second clock of their own: a live batch or a
 * tick re-renders these, not the charts, the tabs or the log beside them.
 */
function RunStatus({ runId, o, loadError, receivedAtMs, connection, validations, live, incidents }: StatusProps) {
  const livePoint = useNewestLivePoint(runId);
  const page = useRunHealth(o?.healthInputs ?? null, receivedAtMs, connection, livePoint);
  useDocumentHealth(page?.health ?? null, o?.run.name ?? null);
  const values = useMemo(() => headerValues(o?.latest ?? null, livePoint), [o?.latest, livePoint]);
  const validation = useMemo(() => lastValidation(validations), [validations]);
  const health = page?.health ?? null;
  const condition = useMemo(() => runCondition(incidents, health), [incidents, health]);
  return (
    <>
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
          condition={condition}
        />
      ) : (
        <p role="status">{loadError ?? 'loading…'}</p>
      )}
    </>
  );
}

/** The jobs timeline, its durations on the page clock: server time, stopped while the server is unreachable. */
function JobsTab({
  o,
  receivedAtMs,
  connection,
  ...timeline
}: Omit<Parameters<typeof JobsTimeline>[0], 'nowMs'> & {
  o: Overview | null;
  receivedAtMs: number;
  connection: ConnectionState;
}) {
  const browserNow = useTicker(HEALTH_TICK_MS);
  const nowMs = o ? pageNowMs(o.nowMs, receivedAtMs, browserNow, connection.lostAtMs) : browserNow;
  return <JobsTimeline {...timeline} nowMs={nowMs} />;
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
  const overview = useOverview(runId);
  const o = overview.data ?? null;
  const connection = useQueryConnection(overview);
  useRefetchOnRunUpdate(runId);
  const [live, setLive] = useState(false);
  const [tab, setTab] = useState<'jobs' | 'nodes' | 'log'>('jobs');
  const { annotations, validations, anchors, jobs } = useRunSide(runId);
  const canOperate = useCanOperate();
  const { control, dialog, openDialog, closeDialog } = useRunControl(runId);
  const operable = canOperate && control !== null && control.desiredState !== null;
  const runNames = useRunNames();
  const compare = useComparedRuns(runId, view, anchors, runNames);
  const { incidents } = useIncidents(runId);
  const marks = useMemo(() => [...annotations, ...incidentMarks(incidents)], [annotations, incidents]);

  return (
    <div className="run-page">
      <nav>
        <Link to="/">← runs</Link>
      </nav>
      <RunStatus
        runId={runId}
        o={o}
        loadError={overview.error?.message ?? null}
        receivedAtMs={overview.dataUpdatedAt}
        connection={connection}
        validations={validations}
        live={live}
        incidents={incidents}
      />
      {control && <RunControls control={control} canOperate={canOperate} onOpen={openDialog} />}
      {canOperate && <PublicPageButton runId={runId} />}
      {control && control.desiredState !== null && <RecoveryPolicySection runId={runId} canOperate={canOperate} />}
      {dialog && control && (
        <ActionDialogHost runId={runId} request={dialog} control={control} jobs={jobs} onClose={closeDialog} />
      )}
      <IncidentsPanel incidents={incidents} onAction={operable ? openDialog : undefined} />
      <ViewControls runId={runId} view={view} setView={setView} />
      <ComparePicker runId={runId} compare={view.compare} names={runNames} setView={setView} />
      <LiveCharts
        compare={compare}
        runId={runId}
        view={view}
        setView={setView}
        annotations={marks}
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
          <JobsTab
            o={o}
            receivedAtMs={overview.dataUpdatedAt}
            connection={connection}
            jobs={jobs}
            incidents={incidents}
            rowActions={operable ? (j) => <JobRowButtons job={j} jobs={jobs} onOpen={openDialog} /> : undefined}
          />
        )}
      </Tabs>
    </div>
  );
}
