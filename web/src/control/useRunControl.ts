// The run's control state (GET /api/runs/:id/control, re-read every 3 s and right after a dialog sent an action) and
// which dialog is open. A run Trainboard does not control, or a server without the control routes, gives null.
import { useCallback, useEffect, useState } from 'react';
import type { RunControlDto } from '@trainboard/shared/control/api';
import { controlApi } from './controlApi.js';
import type { DialogRequest } from './dialogRequest.js';

export function useRunControl(runId: number) {
  const [control, setControl] = useState<RunControlDto | null>(null);
  const [dialog, setDialog] = useState<DialogRequest | null>(null);
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () =>
      controlApi
        .control(runId)
        .then(
          (c) => alive && setControl(c),
          () => alive && setControl(null),
        )
        .finally(() => {
          if (alive) timer = setTimeout(tick, 3000);
        });
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [runId, reloads]);
  const closeDialog = useCallback((sent: boolean) => {
    setDialog(null);
    if (sent) setReloads((n) => n + 1);
  }, []);
  return { control, dialog, openDialog: setDialog, closeDialog };
}
