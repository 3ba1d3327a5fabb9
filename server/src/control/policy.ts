// The failure policy: when a job failed and nothing of the run is queued, resubmit it — through the very
// runActions.request an operator's click uses, as actor `system`, so it is previewed, versioned and audited the
// same way. The planner only asks while the run's automatic-resubmission budget lasts.
import type { Logger } from 'pino';
import type { FailurePolicy } from './reconcileRun.js';
import { SYSTEM_ACTOR } from './ports.js';
import { RunChangedError, type RunActionsService } from './runActions.service.js';

export function createFailurePolicy(actions: RunActionsService, logger: Logger): FailurePolicy {
  return {
    onFailure(run, why) {
      try {
        actions.request(run.runId, { kind: 'resubmit' }, run.version, SYSTEM_ACTOR, `automatic resubmission: ${why}`);
      } catch (err) {
        // The run moved on under us (an observation, an operator): the next tick decides again.
        if (err instanceof RunChangedError) return;
        logger.warn({ err, runId: run.runId }, 'automatic resubmission refused');
      }
    },
  };
}
