// The jobs repository: the scheduler jobs of a run as recorded (the launch loop writes them).
import type Database from 'better-sqlite3';

export interface JobRow {
  jobId: string;
  state: string;
  nodeList: string | null;
  exitCode: number | null;
  submittedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

export interface JobsRepo {
  /** Every job of the run, in submission order. */
  ofRun(runId: number): JobRow[];
  /** The run's latest job (what the nodes view polls). */
  last(runId: number): Pick<JobRow, 'jobId' | 'state' | 'nodeList'> | undefined;
}

export function createJobsRepo(sqlite: Database.Database): JobsRepo {
  const ofRun = sqlite.prepare(`SELECT scheduler_job_id AS jobId, state, node_list AS nodeList, exit_code AS exitCode,
    submitted_at AS submittedAt, started_at AS startedAt, ended_at AS endedAt FROM jobs WHERE run_id = ? ORDER BY id`);
  const last = sqlite.prepare(`SELECT scheduler_job_id AS jobId, state, node_list AS nodeList FROM jobs
    WHERE run_id = ? ORDER BY id DESC LIMIT 1`);
  return {
    ofRun: (runId) => ofRun.all(runId) as JobRow[],
    last: (runId) => last.get(runId) as Pick<JobRow, 'jobId' | 'state' | 'nodeList'> | undefined,
  };
}
