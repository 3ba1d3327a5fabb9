// The run page's header: the run's health word, iteration of total, loss, last validation loss and perplexity, ETA,
// the current job, then tokens, the last checkpoint, what a crash now would lose, the effective training time
// (polled every 30 s) and restarts. Its iteration, loss and time follow the charts' newest live point when that is
// newer than the poll (one source for both), values older than the run's freshness window are greyed and marked
// stale, and on a phone only the essentials show (two or three lines; "more" opens the rest).
import { useState } from 'react';
import { formatAgo, formatCount, formatDuration, formatValue } from '@trainboard/shared/dashboard/format';
import { runProgress, type Progress } from '@trainboard/shared/dashboard/progress';
import type { RunHealth } from '@trainboard/shared/dashboard/runHealth';
import type { RunCondition } from '@trainboard/shared/detect/runCondition';
import type { Overview } from './api.js';
import { HealthCell } from './health/HealthCell.js';
import { RunConditionLine } from './incidents/RunConditionLine.js';
import { ettrFact, useRunEttr } from './health/ettrFact.js';
import { freshness, type HeaderValues, type LastValidation } from './health/headerValues.js';
import { clockTime } from './health/serverClock.js';
import './RunHeader.css';

export interface RunHeaderProps {
  o: Overview;
  health: RunHealth;
  /** The page clock (server time, stopped while the server is unreachable). */
  nowMs: number;
  connected: boolean;
  /** The charts' socket is subscribed. */
  live: boolean;
  values: HeaderValues;
  validation: LastValidation | null;
  /** Healthy / degraded / down and why, from the open incidents and the health (issue 15). */
  condition: RunCondition;
}

/** States in which the run is expected to move on: only then is an ETA meaningful. */
const MOVING = new Set(['healthy', 'queued']);

export function RunHeader(p: RunHeaderProps) {
  const [more, setMore] = useState(false);
  const v = p.values;
  const progress =
    v.iteration !== null && v.trainIters !== null
      ? runProgress({
          iteration: v.iteration,
          trainIters: v.trainIters,
          recentIterationMs: p.o.recentIterationMs,
          lastCheckpointIteration: p.o.lastCheckpoint?.iteration ?? null,
          consumedTokens: v.consumedTokens,
          targetTokens: p.o.targetTokens,
        })
      : null;
  const fraction = progress?.tokenFraction ?? progress?.fraction ?? 0;
  const fresh = freshness(v.timeMs, p.nowMs, p.health.freshnessMs, p.connected);
  return (
    <div className={`run-header${more ? ' show-more' : ''}`} data-testid="run-header">
      <div className="title">
        <h1>{p.o.run.name}</h1>
        <HealthCell health={p.health} />
        {p.live && p.connected && !fresh.stale && (
          <span className="live" title="receiving points live">
            ● live
          </span>
        )}
        <span className={fresh.stale ? 'updated stale-value' : 'updated'} data-testid="updated">
          {v.timeMs === null ? 'no iteration yet' : `updated ${formatAgo(v.timeMs, p.nowMs)}`}
          {fresh.stale && <span className="stale-tag">stale · as of {clockTime(v.timeMs ?? p.nowMs)}</span>}
        </span>
        <button
          type="button"
          className="header-more"
          aria-expanded={more}
          aria-controls="run-header-facts"
          onClick={() => setMore((m) => !m)}
        >
          {more ? 'less' : 'more'}
        </button>
      </div>
      <RunConditionLine condition={p.condition} />
      <div className="progress" aria-hidden="true">
        <div style={{ width: `${(fraction * 100).toFixed(2)}%` }} />
      </div>
      <HeaderFacts {...p} progress={progress} fraction={fraction} stale={fresh.stale} />
    </div>
  );
}

function Fact({
  label,
  children,
  secondary = false,
  title,
}: {
  label: string;
  children: React.ReactNode;
  secondary?: boolean;
  title?: string;
}) {
  return (
    <div className={secondary ? 'secondary' : undefined} title={title}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function HeaderFacts(p: RunHeaderProps & { progress: Progress | null; fraction: number; stale: boolean }) {
  const { o, values: v, validation, progress } = p;
  const job = o.currentJob;
  const ettr = ettrFact(useRunEttr(o.run.id).data);
  return (
    <dl id="run-header-facts" className={p.stale ? 'stale-value' : undefined}>
      <Fact label="iteration">
        <span data-testid="iteration">{v.iteration !== null ? `${v.iteration} / ${v.trainIters ?? '?'}` : '—'}</span>
      </Fact>
      <Fact label="loss">
        <span data-testid="loss">{formatValue(v.lmLoss)}</span>
      </Fact>
      <Fact
        label="val loss · ppl"
        title={validation ? `${validation.group} at iteration ${validation.iteration}` : undefined}
      >
        <span data-testid="validation">
          {validation ? `${formatValue(validation.loss)} · ${formatValue(validation.perplexity)}` : '—'}
        </span>
        {validation && <span className="fact-note"> @{validation.iteration}</span>}
      </Fact>
      <Fact
        label="ETA"
        title={`${progress?.remainingIterations ?? '?'} iterations at ${formatValue(o.recentIterationMs)} ms`}
      >
        {MOVING.has(p.health.state) ? formatDuration(progress?.etaMs ?? null) : `— (${p.health.state})`}
      </Fact>
      <Fact label="job" secondary>
        {job ? `${job.jobId} ${job.state} on ${job.nodeList ?? '—'}` : '—'}
        {job?.end && <span className="fact-note"> · {job.end.text}</span>}
      </Fact>
      <Fact label="tokens" secondary>
        {formatCount(v.consumedTokens)} / {formatCount(o.targetTokens)} ({(p.fraction * 100).toFixed(1)}%)
      </Fact>
      <Fact label="last checkpoint" secondary>
        {o.lastCheckpoint
          ? `${o.lastCheckpoint.iteration ?? '?'} · ${formatAgo(o.lastCheckpoint.timeMs, p.nowMs)}`
          : 'none'}
      </Fact>
      <Fact label="a crash now loses" secondary>
        {progress ? `${progress.iterationsAtRisk} it · ${formatDuration(progress.workAtRiskMs)}` : '—'}
      </Fact>
      {ettr && (
        <Fact label="effective training time" secondary title={ettr.title}>
          <span data-testid="ettr">{ettr.text}</span>
        </Fact>
      )}
      <Fact label="restarts" secondary>
        {Math.max(o.run.segmentCount - 1, 0)}
      </Fact>
    </dl>
  );
}
