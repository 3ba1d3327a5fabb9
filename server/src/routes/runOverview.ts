// The run's overview (the run page's header and the public snapshot read the same facts): latest iteration, recent
// speed, last checkpoint, jobs with how each ended, and the run's health. Latest-row queries only, so it stays
// cheap for the runs list and for a public snapshot rebuilt every second.
import type { Job, JobEnd, Overview } from '@trainboard/shared/api';
import { describeJobEnd, explainJobEnds, type JobEndEvent } from '@trainboard/shared/dashboard/jobs';
import { medianLoggedIterationMs, runHealth, type HealthInputs } from '@trainboard/shared/dashboard/runHealth';
import { readPendingRestart } from '../control/recoveryStore.js';
import type { Repositories } from '../db/repositories.js';

/** Iteration time is averaged over this many latest iterations for the ETA (minutes of a BLOOM run). */
const RECENT_ITERATIONS = 20;

/** The run page's header: latest iteration, recent speed (for the ETA), last checkpoint, current job and health. */
export function runOverview(repos: Repositories, id: number): Overview {
  const { runs, iterations, events } = repos;
  const run = runs.get(id) as NonNullable<ReturnType<typeof runs.get>>;
  const row = iterations.latest(run.id) ?? null;
  const times = iterations.recentTimesMs(run.id, RECENT_ITERATIONS);
  const checkpoint = events.lastCheckpoint(run.id) ?? null;
  const jobs = jobRows(repos, run.id);
  const inputs = healthInputs(repos, run, jobs, row ?? undefined);
  return {
    run: { id: run.id, name: run.name, state: run.state, segmentCount: run.segmentCount },
    latest: row,
    recentIterationMs: times.length ? times.reduce((a, b) => a + b, 0) / times.length : null,
    targetTokens: targetTokens(run.config),
    lastCheckpoint: checkpoint,
    // The job that is training, not the one queued behind it in the chain.
    currentJob: jobs.findLast((j) => j.state === 'RUNNING') ?? jobs.at(-1) ?? null,
    nowMs: inputs.nowMs,
    health: runHealth(inputs),
    healthInputs: inputs,
  };
}

/** What the health model reads (shared/src/dashboard/runHealth.ts), from latest-row queries only. */
export function healthInputs(
  repos: Repositories,
  run: { id: number; state: string },
  jobs: readonly BoundJob[],
  latest: { iteration: number; timeMs: number | null; trainIters: number } | undefined,
): HealthInputs {
  const control = repos.runControl.get(run.id);
  const lastRead = repos.events.lastLineMs(run.id);
  const lastLine = Math.max(lastRead ?? -Infinity, latest?.timeMs ?? -Infinity);
  return {
    nowMs: Date.now(),
    run: {
      state: run.state,
      desiredState: control?.desiredState ?? null,
      trainIters: control?.trainIters ?? latest?.trainIters ?? null,
    },
    jobs: jobs.map(({ jobId, state, nodeList, startedAt, endedAt, end, reason }) => {
      return { jobId, state, nodeList, startedAt, endedAt, end, reason };
    }),
    latestIteration: latest ? { iteration: latest.iteration, timeMs: latest.timeMs } : null,
    lastLineMs: Number.isFinite(lastLine) ? lastLine : null,
    medianIterationMs: medianLoggedIterationMs(repos.iterations.recentCadence(run.id, RECENT_ITERATIONS + 1)),
    lastCheckpointIteration: repos.events.lastCheckpoint(run.id)?.iteration ?? null,
    plannedRestart: plannedRestart(repos, run.id),
    connection: null,
  };
}

/** The restart the recovery policy waits to make, without what only operators see (the nodes it excludes, why). */
function plannedRestart(repos: Repositories, runId: number): HealthInputs['plannedRestart'] {
  const p = readPendingRestart(repos.settings, runId);
  return p && { notBeforeMs: p.notBeforeMs, n: p.n, counted: p.counted };
}

export type BoundJob = Job & { end: JobEnd | null; reason: string | null };

/** The run's jobs, each with how it ended, from the failures and exits of its own log segment. */
export function jobRows(repos: Repositories, id: number): BoundJob[] {
  const jobs = repos.jobs.ofRun(id);
  if (jobs.length === 0) return [];
  const events = repos.events.jobEnds(id).map(({ noise, nodes, ...e }): JobEndEvent => ({
    ...e,
    type: e.type as JobEndEvent['type'],
    shutdownNoise: noise === 1,
    nodes: nodes ? (JSON.parse(nodes) as string[]) : [],
  }));
  const ends = explainJobEnds(jobs, repos.events.jobStarts(id), events);
  return jobs.map((j) => {
    const end = ends.get(j.jobId) ?? null;
    return { ...j, end, exitReason: describeJobEnd(end) };
  });
}

/** train_samples × seq_length from the banner's arguments, when both are numbers. */
export function targetTokens(config: string | null): number | null {
  if (!config) return null;
  try {
    const args = (JSON.parse(config) as { args?: Record<string, unknown> }).args ?? {};
    const samples = Number(args.train_samples);
    const seq = Number(args.seq_length);
    return Number.isFinite(samples) && Number.isFinite(seq) && samples > 0 && seq > 0 ? samples * seq : null;
  } catch {
    return null;
  }
}
