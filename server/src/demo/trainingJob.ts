// Runs a training job script on any ClusterBackend (Slurm over SSH, or the local executor) as a run's chain of
// jobs: follows its log, records every job's scheduler state in the jobs table, and when a job fails submits it
// again (the script resumes from the last checkpoint, as the next job of a real chain would) until it completes
// or the resubmissions run out. One implementation for the demo on the embedded default and on a cluster.
import { isAbsolute } from 'node:path';
import type { Logger } from 'pino';
import { isTerminalState, type JobStatus } from '@trainboard/shared/slurm/types';
import type { SubmitSpec } from '@trainboard/shared/slurm/submit';
import type { OpenDatabase } from '../db/client.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import type { ClusterBackend } from '../adapters/clusterBackend.js';

export type TrainingJobEnd = 'completed' | 'failed' | 'cancelled';

export interface TrainingJobOptions {
  conn: OpenDatabase;
  backend: ClusterBackend;
  logger: Logger;
  runName: string;
  script: string;
  jobName: string;
  /** The job's working directory (relative paths in the script resolve there); the backend's default if unset. */
  chdir?: string;
  /** Absolute path of the log the script writes (the followed main log), as the backend's nodes see it. */
  logPath: string;
  maxResubmits?: number;
  pollMs?: number;
  /** After the last job ends, the run is marked completed/failed this much later (the follower reads the tail). */
  settleMs?: number;
  /** cancel() waits this long at most for the scheduler to report the job ended. */
  cancelWaitMs?: number;
}

export interface TrainingJob {
  runId: number;
  /** The scheduler's id of the latest submission. */
  currentJobId(): string;
  /** Resolves with the final state once the last job ended and the run was marked. */
  done: Promise<TrainingJobEnd>;
  /** Stops watching; the job itself keeps running. */
  stop(): void;
  /** Stops watching and cancels the current job (scancel on Slurm) unless it already ended; marks the run cancelled (or how it ended). */
  cancel(): Promise<void>;
}

/** Jobs that end like this are not resubmitted: they finished, or someone asked them to stop. */
const NOT_RETRIED = new Set(['COMPLETED', 'CANCELLED']);

export async function launchTrainingJob(o: TrainingJobOptions): Promise<TrainingJob> {
  if (!isAbsolute(o.logPath)) throw new Error(`the log path must be absolute: ${o.logPath}`);
  const source = registerFollowedFile(o.conn.db, o.runName, o.logPath);
  const runId = source.runId;
  const table = jobsTable(o.conn);
  const pollMs = o.pollMs ?? 500;
  const submit = submitter(o, runId);

  let jobId = await submit(null);
  let lastState = 'PENDING';
  let resubmits = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | null = null;
  let settle!: (state: TrainingJobEnd) => void;
  const done = new Promise<TrainingJobEnd>((resolve) => (settle = resolve));
  let ended = false;
  /** The run's end, once its last job ended (marked after the settle delay). */
  let decided: TrainingJobEnd | null = null;
  const end = (state: TrainingJobEnd) => {
    if (ended) return;
    ended = true;
    table.markRun(runId, state);
    settle(state);
  };

  /** Reads the current job's state into the jobs table. */
  const record = async () => {
    const now = Date.now();
    const status = (await o.backend.status([jobId])).jobs.find((j) => j.jobId === jobId);
    if (!status) return null;
    lastState = status.state;
    table.upsertJob(runId, jobId, status, now);
    return status;
  };
  const poll = async () => {
    const status = await record();
    if (!status || stopped || !isTerminalState(status.state)) return;
    if (!NOT_RETRIED.has(status.state) && resubmits < (o.maxResubmits ?? 2)) {
      resubmits++;
      jobId = await submit(jobId);
      lastState = 'PENDING';
      return;
    }
    stopped = true;
    const state = runEnd(status.state);
    decided = state;
    setTimeout(() => end(state), o.settleMs ?? 3_000).unref();
  };
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      inFlight = poll()
        // A dropped connection or a slow scheduler is not the job's end: try again on the next tick.
        .catch((err: unknown) =>
          o.logger.warn({ err: (err as Error).message, jobId, runId }, 'cannot read the job state; retrying'),
        )
        .finally(() => {
          inFlight = null;
          if (!stopped) schedule(pollMs);
        });
    }, ms);
  };
  schedule(0);

  return {
    runId,
    done,
    currentJobId: () => jobId,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    async cancel() {
      stopped = true;
      clearTimeout(timer);
      await inFlight; // a resubmission in progress must finish, so the job it creates is the one cancelled
      if (!isTerminalState(lastState)) {
        await o.backend.cancel([jobId]);
        // Slurm shows COMPLETING while it kills the steps (up to KillWait): wait, bounded, so the table ends CANCELLED.
        await waitUntilEnded(record, o.cancelWaitMs ?? 15_000);
      }
      end(decided ?? 'cancelled');
    },
  };
}

/** How a run ends when its last job ended in this scheduler state. */
function runEnd(state: string): TrainingJobEnd {
  return state === 'COMPLETED' ? 'completed' : state === 'CANCELLED' ? 'cancelled' : 'failed';
}

/** Polls `record` until the job reports a terminal state (a failed read counts as not yet) or `waitMs` passed. */
async function waitUntilEnded(record: () => Promise<JobStatus | null>, waitMs: number): Promise<void> {
  const until = Date.now() + waitMs;
  while (!isTerminalState((await record().catch(() => null))?.state ?? '') && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Returns the submitter: the first job from the script, each later one a resubmission of the job before it. */
function submitter(o: TrainingJobOptions, runId: number): (previous: string | null) => Promise<string> {
  // Every submission carries the same options: Slurm's stored script has no working directory of its own.
  const options: Omit<SubmitSpec, 'script'> = {
    name: o.jobName,
    output: '%x-%j.out',
    ...(o.chdir ? { chdir: o.chdir } : {}),
  };
  return async (previous) => {
    const job = previous
      ? await o.backend.resubmit(previous, options)
      : await o.backend.submit({ ...options, script: o.script });
    o.logger.info(
      { jobId: job.jobId, runId, target: o.backend.target },
      previous ? 'resubmitted after a failure' : 'job submitted',
    );
    return job.jobId;
  };
}

/** The run's writes: one jobs-table row per scheduler job, and the run's final state. */
function jobsTable(conn: OpenDatabase) {
  const upsertJob = conn.sqlite
    .prepare(`INSERT INTO jobs (run_id, scheduler_job_id, state, node_list, exit_code, submitted_at, started_at, ended_at, updated_at)
    VALUES (@runId, @jobId, @state, @nodeList, @exitCode, @now, @startedAt, @endedAt, @now)
    ON CONFLICT (run_id, scheduler_job_id) DO UPDATE SET state = excluded.state, node_list = excluded.node_list,
      exit_code = excluded.exit_code, started_at = coalesce(jobs.started_at, excluded.started_at), ended_at = excluded.ended_at, updated_at = excluded.updated_at`);
  const markRun = conn.sqlite.prepare('UPDATE runs SET state = ? WHERE id = ?');
  return {
    upsertJob(runId: number, jobId: string, status: JobStatus, now: number): void {
      const over = isTerminalState(status.state);
      upsertJob.run({
        runId,
        jobId,
        state: status.state,
        nodeList: status.nodeList,
        exitCode: over ? status.exitCode : null,
        now,
        startedAt: status.startTime ? now : null,
        endedAt: over ? now : null,
      });
    },
    markRun(runId: number, state: TrainingJobEnd): void {
      markRun.run(state, runId);
    },
  };
}
