// The control plane's changes as TanStack mutations: after the server accepted one, every read of the run it touched
// (header, jobs, control state, runs list, audit) is invalidated, so the page shows the change on its next frame
// instead of at the next poll. Not awaited: the dialog says "requested" and the submit page moves on at once.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ActionPost, RunCreateInput } from '@trainboard/shared/control/api';
import { invalidateRun, queryKeys } from '../data/runQueries.js';
import { controlApi } from './controlApi.js';

/** Resubmit, cancel, exclude, save-exit, hold, release, chain length: one confirmed action on one run. */
export function useRunAction(runId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ActionPost) => controlApi.requestAction(runId, body),
    onSuccess: () => void invalidateRun(client, runId),
  });
}

/** A new run: the runs list and the audit trail change. */
export function useSubmitRun() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: RunCreateInput) => controlApi.submitRun(input),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.summaries() });
      void client.invalidateQueries({ queryKey: ['audit'] });
    },
  });
}
