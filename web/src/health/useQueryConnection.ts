// A page's view of the server from its main polled query (the run page's overview, the runs list's summaries) and
// the health socket; every query is refetched when the connection comes back.
import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { isUnreachable, type ConnectionState } from './connection.js';
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
