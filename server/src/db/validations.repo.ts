// The validations repository: the current validation losses per group (charts) and the iterations evaluated at
// (annotations). End-of-training evaluations are left out of both.
import type Database from 'better-sqlite3';

export interface ValidationsRepo {
  /** (group, iteration, loss) of current rows, by group then iteration. */
  currentLosses(runId: number): { g: string; iteration: number; loss: number | null }[];
  /** Each evaluated iteration once, with its earliest time. */
  evaluations(runId: number): { iteration: number; timeMs: number | null }[];
}

export function createValidationsRepo(sqlite: Database.Database): ValidationsRepo {
  const losses = sqlite.prepare(`SELECT group_name AS g, iteration, lm_loss AS loss FROM validations
    WHERE run_id = ? AND is_current = 1 AND end_of_training = 0 AND iteration IS NOT NULL ORDER BY group_name, iteration`);
  const evaluations =
    sqlite.prepare(`SELECT iteration, min(time_ms) AS timeMs FROM validations WHERE run_id = ? AND is_current = 1
    AND end_of_training = 0 AND iteration IS NOT NULL GROUP BY iteration ORDER BY iteration`);
  return {
    currentLosses: (runId) => losses.all(runId) as { g: string; iteration: number; loss: number | null }[],
    evaluations: (runId) => evaluations.all(runId) as { iteration: number; timeMs: number | null }[],
  };
}
