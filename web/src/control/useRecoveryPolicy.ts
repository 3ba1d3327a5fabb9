// The run's recovery policy as a TanStack query under the run's key (an action on the run refreshes it; polled so
// the usage line stays current), and its save as a mutation conditional on the version the operator saw (If-Match):
// a 409 means another operator saved meanwhile.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RecoveryPolicy, RecoveryPolicyDto } from '@trainboard/shared/control/recoveryPolicy';
import { get, request } from '../http.js';

export const recoveryPolicyKey = (runId: number) => ['run', runId, 'recovery-policy'] as const;

const POLL_MS = 15_000;

export const recoveryPolicyApi = {
  get: (runId: number) => get<RecoveryPolicyDto>(`/api/runs/${runId}/recovery-policy`),
  save: (runId: number, policy: RecoveryPolicy, ifMatch: string) =>
    request<RecoveryPolicyDto>('PUT', `/api/runs/${runId}/recovery-policy`, policy, { 'if-match': ifMatch }),
};

export function useRecoveryPolicy(runId: number) {
  return useQuery({
    queryKey: recoveryPolicyKey(runId),
    queryFn: () => recoveryPolicyApi.get(runId),
    refetchInterval: POLL_MS,
  });
}

export function useSaveRecoveryPolicy(runId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ policy, ifMatch }: { policy: RecoveryPolicy; ifMatch: string }) =>
      recoveryPolicyApi.save(runId, policy, ifMatch),
    onSuccess: (dto) => {
      client.setQueryData(recoveryPolicyKey(runId), dto);
      void client.invalidateQueries({ queryKey: ['audit'] });
    },
    // Another operator saved meanwhile: read theirs, so the dialog can show it.
    onError: () => void client.invalidateQueries({ queryKey: recoveryPolicyKey(runId) }),
  });
}
