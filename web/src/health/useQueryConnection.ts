// A page's view of the server from its main polled query (the run page's overview, the runs list's summaries) and
// the health socket; every query is refetched when the connection comes back.
import { useCallback, useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { queryKeys } from '../data/runQueries.js';
import { isUnreachable, type ConnectionState } from './connection.js';
import { onRunUpdated } from './runUpdates.js';
import { useServerConnection } from './useServerConnection.js';

/** Whether a query's last attempt failed because the server could not be reached. */
export function queryUnreachable(q: { failureReason: unknown; error: unknown }): boolean {
  return isUnreachable(q.failureReason) || isUnreachable(q.error);
}

/** The connection, with every query refetched when it comes back. */
export function useQueryConnection(query: { failureReason: unknown; error: unknown }): ConnectionState {
  const client = useQueryClient();
  const onBack = useCallback(() => void client.invalidateQueries(), [client]);
  return useServerConnection(queryUnreachable(query), onBack);
}

/** Re-reads the run (and the runs list) as soon as the server says the run changed (`run.updated`). */
export function useRefetchOnRunUpdate(runId: number): void {
  const client = useQueryClient();
  useEffect(
    () =>
      onRunUpdated((id) => {
        if (id !== runId) return;
        void client.invalidateQueries({ queryKey: queryKeys.run(runId) });
        void client.invalidateQueries({ queryKey: queryKeys.summaries() });
      }),
    [client, runId],
  );
}
