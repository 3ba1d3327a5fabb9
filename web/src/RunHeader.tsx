// The run page's header: state, iteration of total, tokens of the target with a progress bar, ETA, time since the
// last checkpoint and what a crash now would lose, the current job and its nodes.
import { formatAgo, formatCount, formatDuration, formatValue } from '@trainboard/shared/dashboard/format';
import { runProgress } from '@trainboard/shared/dashboard/progress';
import type { Overview } from './api.js';

export function RunHeader({ o, live }: { o: Overview; live: boolean }) {
  const l = o.latest;
  const progress = l
    ? runProgress({
        iteration: l.iteration,
        trainIters: l.trainIters,
        recentIterationMs: o.recentIterationMs,
        lastCheckpointIteration: o.lastCheckpoint?.iteration ?? null,
        consumedTokens: l.consumedTokens,
        targetTokens: o.targetTokens,
      })
    : null;
  const fraction = progress?.tokenFraction ?? progress?.fraction ?? 0;
  return (
    <div className="run-header" data-testid="run-header">
      <div className="title">
        <h2>{o.run.name}</h2>
        <span className={`state state-${o.run.state}`}>{o.run.state}</span>
        {live && (
          <span className="live" title="receiving points live">
            ● live
          </span>
        )}
      </div>
      <div className="progress">
        <div style={{ width: `${(fraction * 100).toFixed(2)}%` }} />
      </div>
      <dl>
        <div>
          <dt>iteration</dt>
          <dd data-testid="iteration">{l ? `${l.iteration} / ${l.trainIters}` : '—'}</dd>
        </div>
        <div>
          <dt>tokens</dt>
          <dd>
            {formatCount(l?.consumedTokens ?? null)} / {formatCount(o.targetTokens)} ({(fraction * 100).toFixed(1)}%)
          </dd>
        </div>
        <div>
          <dt>loss</dt>
          <dd>{formatValue(l?.lmLoss ?? null)}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd title={`${progress?.remainingIterations ?? '?'} iterations at ${formatValue(o.recentIterationMs)} ms`}>
            {formatDuration(progress?.etaMs ?? null)}
          </dd>
        </div>
        <div>
          <dt>last checkpoint</dt>
          <dd>
            {o.lastCheckpoint
              ? `${o.lastCheckpoint.iteration ?? '?'} · ${formatAgo(o.lastCheckpoint.timeMs, o.nowMs)}`
              : 'none'}
          </dd>
        </div>
        <div>
          <dt>a crash now loses</dt>
          <dd>{progress ? `${progress.iterationsAtRisk} it · ${formatDuration(progress.workAtRiskMs)}` : '—'}</dd>
        </div>
        <div>
          <dt>job</dt>
          <dd>
            {o.currentJob ? `${o.currentJob.jobId} ${o.currentJob.state} on ${o.currentJob.nodeList ?? '—'}` : '—'}
          </dd>
        </div>
        <div>
          <dt>restarts</dt>
          <dd>{Math.max(o.run.segmentCount - 1, 0)}</dd>
        </div>
      </dl>
    </div>
  );
}
