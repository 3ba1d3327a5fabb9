// The run's public page settings as a TanStack query, and publish/update/unpublish as mutations that put the
// server's answer straight into the query (and refresh the audit trail).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PublicationDto, PublicationInput, PublicationResponse } from '@trainboard/shared/public/publication';
import { get, request } from '../http.js';

export const publicationKey = (runId: number) => ['run', runId, 'publication'] as const;

export const publicationApi = {
  get: (runId: number) => get<PublicationResponse>(`/api/runs/${runId}/publication`).then((r) => r.publication),
  publish: (runId: number, body: PublicationInput) =>
    request<PublicationDto>('PUT', `/api/runs/${runId}/publication`, body),
  unpublish: (runId: number) => request<unknown>('DELETE', `/api/runs/${runId}/publication`),
};

export function usePublication(runId: number, enabled = true) {
  return useQuery({ queryKey: publicationKey(runId), queryFn: () => publicationApi.get(runId), enabled });
}

export function usePublicationMutations(runId: number) {
  const client = useQueryClient();
  const settle = (p: PublicationDto | null) => {
    client.setQueryData(publicationKey(runId), p);
    void client.invalidateQueries({ queryKey: ['audit'] });
  };
  const publish = useMutation({
    mutationFn: (body: PublicationInput) => publicationApi.publish(runId, body),
    onSuccess: settle,
  });
  const unpublish = useMutation({ mutationFn: () => publicationApi.unpublish(runId), onSuccess: () => settle(null) });
  return { publish, unpublish };
}
