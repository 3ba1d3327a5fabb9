// Runs a training job script through the local executor as a run's job array would: follows its log, records
// every job in the jobs table, and when a job fails submits the script again (resuming from the last checkpoint,
// as Slurm's next array member would) until it completes or the resubmissions run out.
import { isAbsolute } from 'node:path';
import type { Logger } from 'pino';
import type { OpenDatabase } from '../db/client.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import type { LocalExecutor } from './local-executor.js';

export interface TrainingJobOptions {
  conn: OpenDatabase;
  executor: LocalExecutor;
  logger: Logger;
  runName: string;
  script: string;
  jobName: string;
  /** Absolute path of the log the script writes (the followed main log). */
  logPath: string;
  maxResubmits?: number;
  pollMs?: number;
  /** After the last job ends, the run is marked completed/failed this much later (the follower reads the tail). */
  settleMs?: number;
}

export interface TrainingJob {
  runId: number;
  /** Resolves with the final state once the last job ended and the run was marked. */
  done: Promise<'completed' | 'failed' | 'cancelled'>;
  stop(): void;
}

export async function launchTrainingJob(o: TrainingJobOptions): Promise<TrainingJob> {
  if (!isAbsolute(o.logPath)) throw new Error(`the log path must be absolute: ${o.logPath}`);
  const source = registerFollowedFile(o.conn.db, o.runName, o.logPath);
  const runId = source.runId;
  const upsertJob = o.conn.sqlite.prepare(`INSERT INTO jobs (run_id, scheduler_job_id, state, node_list, exit_code, submitted_at, started_at, ended_at, updated_at)
    VALUES (@runId, @jobId, @state, @nodeList, @exitCode, @now, @startedAt, @endedAt, @now)
    ON CONFLICT (run_id, scheduler_job_id) DO UPDATE SET state = excluded.state, node_list = excluded.node_list,
      exit_code = excluded.exit_code, started_at = coalesce(jobs.started_at, excluded.started_at), ended_at = excluded.ended_at, updated_at = excluded.updated_at`);
  const markRun = o.conn.sqlite.prepare('UPDATE runs SET state = ? WHERE id = ?');
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const submit = async (previous: string | null) => {
    const job = previous ? await o.executor.resubmit(previous, {}) : await o.executor.submit({ script: o.script, name: o.jobName, output: '%x-%j.out' });
    o.logger.info({ jobId: job.jobId, runId }, previous ? 'resubmitted after a failure' : 'job submitted');
    return job.jobId;
  };

  let jobId = await submit(null);
  let resubmits = 0;
  const done = new Promise<'completed' | 'failed' | 'cancelled'>((resolve) => {
    const finish = (state: 'completed' | 'failed' | 'cancelled') => {
      setTimeout(() => {
        markRun.run(state, runId);
        resolve(state);
      }, o.settleMs ?? 3_000).unref();
    };
    const poll = async () => {
      const now = Date.now();
      const status = (await o.executor.status([jobId])).jobs[0];
      if (!status) return;
      const ended = ['COMPLETED', 'FAILED', 'CANCELLED'].includes(status.state);
      upsertJob.run({ runId, jobId, state: status.state, nodeList: status.nodeList, exitCode: ended ? status.exitCode : null, now,
        startedAt: status.startTime ? now : null, endedAt: ended ? now : null });
      if (!ended) return void (timer = setTimeout(() => void poll(), o.pollMs ?? 500));
      if (status.state === 'FAILED' && resubmits < (o.maxResubmits ?? 2) && !stopped) {
        resubmits++;
        jobId = await submit(jobId);
        return void (timer = setTimeout(() => void poll(), o.pollMs ?? 500));
      }
      finish(status.state === 'COMPLETED' ? 'completed' : status.state === 'CANCELLED' ? 'cancelled' : 'failed');
    };
    void poll();
  });
  return {
    runId,
    done,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
