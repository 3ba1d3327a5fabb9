// The run's nodes: a tile per node with its scheduler state (colour; Slurm's sinfo or Kubernetes' Node), the
// drain/down reason, a suspect badge when a failure of the run named it, the recent evictions and preemptions of
// pods on it (Kubernetes events), and one cell per GPU (utilisation, memory, temperature, SM clock) with the slow
// one flagged against its siblings. Reads the server's cache every 5 s; the server polls the scheduler on its own
// timer. The words stay scheduler-neutral: the same grid shows Slurm and Kubernetes runs.
import { formatAgo } from '@trainboard/shared/dashboard/format';
import type { GpuSample, NodeDisruption, NodeTile } from '@trainboard/shared/api';
import { useRunNodes } from './data/runQueries.js';

/** Slurm base states to a colour class: busy, free, troubled, gone. */
function stateClass(state: string | undefined): string {
  if (!state) return 'unknown';
  if (/^(alloc|allocated|mixed|completing)$/.test(state)) return 'busy';
  if (state === 'idle') return 'free';
  if (/^(drain|drained|draining|down|fail|failing|error|inval|not_responding)$/.test(state)) return 'bad';
  return 'other';
}

const gib = (mb: number | null) => (mb === null ? '—' : (mb / 1024).toFixed(mb >= 10_240 ? 0 : 1));
const num = (v: number | null, unit: string) => (v === null ? '—' : `${Math.round(v)}${unit}`);

function GpuCell({ g }: { g: GpuSample }) {
  const title = [
    `GPU ${g.index}${g.name ? ` · ${g.name}` : ''}`,
    `utilisation ${num(g.utilPct, ' %')}`,
    `memory ${gib(g.memUsedMb)} / ${gib(g.memTotalMb)} GiB`,
    `temperature ${num(g.temperatureC, ' °C')}`,
    `power ${num(g.powerW, ' W')}`,
    `SM clock ${num(g.smClockMhz, ' MHz')}`,
    ...(g.slow ? [`slow: ${g.slow}`] : []),
  ].join('\n');
  return (
    <div className={`gpu-cell${g.slow ? ' gpu-slow' : ''}`} title={title} data-testid="gpu-cell">
      <div className="gpu-head">
        <b>{g.index}</b>
        {g.slow ? <span className="gpu-flag">slow</span> : null}
      </div>
      <div className="gpu-util">
        <div style={{ width: `${Math.max(0, Math.min(100, g.utilPct ?? 0))}%` }} />
      </div>
      <div>{num(g.utilPct, '%')}</div>
      <div>
        {gib(g.memUsedMb)}/{gib(g.memTotalMb)}G
      </div>
      <div>{num(g.temperatureC, '°C')}</div>
      <div className="gpu-clock">{num(g.smClockMhz, ' MHz')}</div>
    </div>
  );
}

const DISRUPTION_TEXT: Record<NodeDisruption['kind'], string> = {
  evicted: 'evicted',
  preempted: 'preempted',
  oom: 'out of memory',
  'node-not-ready': 'node not ready',
};

function Disruptions({ list, nowMs }: { list: readonly NodeDisruption[]; nowMs: number }) {
  return (
    <ul className="node-disruptions" data-testid="node-disruptions">
      {list.map((d) => (
        <li key={`${d.pod}-${d.kind}-${d.atMs ?? ''}`} title={d.message}>
          <b>{DISRUPTION_TEXT[d.kind]}</b> pod {d.pod}
          {d.atMs === null ? '' : ` ${formatAgo(d.atMs, nowMs)}`}
          {d.message ? `: ${d.message}` : ''}
        </li>
      ))}
    </ul>
  );
}

function Tile({ node, nowMs }: { node: NodeTile; nowMs: number }) {
  const s = node.slurm;
  const troubled = stateClass(s?.state) === 'bad' || s?.notResponding;
  return (
    <div
      className={`node-tile node-${stateClass(s?.state)}${node.inJob ? '' : ' node-outside'}`}
      data-testid={`node-${node.name}`}
    >
      <header>
        <b>{node.name}</b>
        <span className="node-state" data-testid="node-state">
          {s ? s.rawState : 'unknown to the scheduler'}
        </span>
        {node.suspect ? (
          <span
            className="badge bad"
            data-testid="suspect"
            title={`${node.suspect.message}${node.suspect.count > 1 ? ` (named by ${node.suspect.count} failures)` : ''}`}
          >
            suspect: {node.suspect.text}
            {node.suspect.timeMs === null ? '' : ` ${formatAgo(node.suspect.timeMs, nowMs)}`}
          </span>
        ) : null}
      </header>
      {troubled && s?.reason ? <div className="node-reason">{s.reason}</div> : null}
      {s?.disruptions?.length ? <Disruptions list={s.disruptions} nowMs={nowMs} /> : null}
      {node.inJob ? null : <div className="hint">not in the current job</div>}
      {s && (s.cpus !== null || s.gpus !== null) ? (
        <div className="hint">
          {s.cpus ?? '?'} CPUs · {s.gpus ?? 0} GPUs
        </div>
      ) : null}
      {node.gpus.length ? (
        <div className="gpu-cells">
          {node.gpus.map((g) => (
            <GpuCell key={g.index} g={g} />
          ))}
        </div>
      ) : null}
    </div>
  );
}

export function NodesGrid({ runId }: { runId: number }) {
  const { data, error: failure } = useRunNodes(runId);
  const error = failure?.message ?? null;
  if (!data)
    return (
      <section className="nodes">
        {error ? <p className="error">{error}</p> : <p className="hint">loading nodes…</p>}
      </section>
    );
  const { gpu, slurm, job } = data;
  return (
    <section className="nodes" data-testid="nodes">
      <p className="hint">
        {job ? `job ${job.jobId} ${job.state}` : 'no job yet'} · node states{' '}
        {slurm.sampledAtMs === null ? 'not sampled yet' : formatAgo(slurm.sampledAtMs, data.nowMs)}
        {gpu.sampledAtMs !== null && gpu.state === 'ok' ? ` · GPUs ${formatAgo(gpu.sampledAtMs, data.nowMs)}` : ''}
        {gpu.skippedLines ? ` · ${gpu.skippedLines} unreadable nvidia-smi line(s) skipped` : ''}
      </p>
      {slurm.error ? <p className="error">The scheduler did not answer: {slurm.error}</p> : null}
      {error ? <p className="error">{error}</p> : null}
      {gpu.state === 'unavailable' || gpu.state === 'not_running' ? (
        <p className="hint" data-testid="gpu-unavailable">
          GPU metrics unavailable: {gpu.reason}
        </p>
      ) : gpu.reason ? (
        <p className="hint">{gpu.reason}</p>
      ) : null}
      {data.nodes.length === 0 ? (
        <p className="hint">no nodes: the run has no started job and no suspect node</p>
      ) : (
        <div className="node-grid">
          {data.nodes.map((n) => (
            <Tile key={n.name} node={n} nowMs={data.nowMs} />
          ))}
        </div>
      )}
    </section>
  );
}
