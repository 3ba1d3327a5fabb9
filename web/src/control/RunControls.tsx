// The run's control bar: what Trainboard wants of the run (its desired state, chain length, version), readable by
// everyone, and for operators the buttons that open each action's confirmation dialog. Viewers get no buttons.
import type { RunControlDto } from '@trainboard/shared/control/api';
import type { DialogRequest } from './dialogRequest.js';

const STATE_WORDS: Record<string, string> = {
  active: 'active: jobs are kept queued',
  held: 'held: queued jobs wait',
  stopped: 'stopped: nothing is submitted',
  done: 'done: the run reached its last iteration',
};

export function RunControls({
  control,
  canOperate,
  onOpen,
}: {
  control: RunControlDto;
  canOperate: boolean;
  onOpen: (r: DialogRequest) => void;
}) {
  const desired = control.desiredState;
  const live = desired === 'active' || desired === 'held';
  const pending = control.pendingActions.filter((a) => a.state === 'pending' || a.state === 'running');
  return (
    <section className="run-controls" aria-label="run controls" data-testid="run-controls">
      <p className="control-state">
        <span>
          Control: <strong>{desired ? STATE_WORDS[desired] : 'followed only (not submitted by Trainboard)'}</strong>
        </span>
        <span>chain length {control.chainLength}</span>
        {control.excludeNodes && <span>excluded nodes {control.excludeNodes}</span>}
        <span className="hint">version {control.version}</span>
        {pending.length > 0 && (
          <span role="status">
            {pending.length} action{pending.length > 1 ? 's' : ''} in progress ({pending.map((a) => a.kind).join(', ')})
          </span>
        )}
      </p>
      {canOperate && desired !== null && (
        <div className="action-buttons" role="group" aria-label="run actions">
          <button type="button" onClick={() => onOpen({ kind: 'resubmit' })}>
            Resubmit from checkpoint
          </button>
          <button type="button" onClick={() => onOpen({ kind: 'exclude', preselected: [] })}>
            Resubmit excluding nodes…
          </button>
          {live && (
            <button type="button" onClick={() => onOpen({ kind: 'save_exit' })}>
              Save and exit
            </button>
          )}
          {desired === 'active' && (
            <button type="button" onClick={() => onOpen({ kind: 'hold' })}>
              Hold chain
            </button>
          )}
          {desired === 'held' && (
            <button type="button" onClick={() => onOpen({ kind: 'release' })}>
              Release chain
            </button>
          )}
          <button type="button" onClick={() => onOpen({ kind: 'set_chain_length' })}>
            Chain length…
          </button>
          {live && (
            <button type="button" className="danger" onClick={() => onOpen({ kind: 'cancel_run' })}>
              Cancel run
            </button>
          )}
        </div>
      )}
    </section>
  );
}
