// The run's control state (GET /api/runs/:id/control, re-read every 3 s and right after a dialog sent an action) and
// which dialog is open. A run Trainboard does not control, or a server without the control routes, gives null.
import { useCallback, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { invalidateRun, queryKeys } from '../data/runQueries.js';
import { controlApi } from './controlApi.js';
import type { DialogRequest } from './dialogRequest.js';

const CONTROL_INTERVAL_MS = 3000;

export function useRunControl(runId: number) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: queryKeys.control(runId),
    queryFn: () => controlApi.control(runId),
    refetchInterval: CONTROL_INTERVAL_MS,
  });
  const control = query.isError ? null : (query.data ?? null);
  const [dialog, setDialog] = useState<DialogRequest | null>(null);
  const closeDialog = useCallback(
    (sent: boolean) => {
      setDialog(null);
      if (sent) void invalidateRun(client, runId);
    },
    [client, runId],
  );
  return { control, dialog, openDialog: setDialog, closeDialog };
}
