// Opens the right dialog for a request: fixed actions go straight to their preview; an exclusion first shows the
// node picker, a chain-length change a number field, and the preview follows every change of those fields.
import { useState } from 'react';
import { MAX_CHAIN_LENGTH, type ActionRequest, type RunControlDto } from '@trainboard/shared/control/api';
import type { Job } from '../api.js';
import { useRunNodes } from '../data/runQueries.js';
import { ActionDialog } from './ActionDialog.js';
import type { DialogRequest } from './dialogRequest.js';
import { excludeHostlist, nodeChoices } from './nodeChoices.js';
import { NodePicker } from './NodePicker.js';

export function ActionDialogHost(props: {
  runId: number;
  request: DialogRequest;
  control: RunControlDto;
  jobs: readonly Job[];
  onClose: (sent: boolean) => void;
}) {
  const { request } = props;
  if (request.kind === 'exclude') return <ExcludeDialog {...props} preselected={request.preselected} />;
  if (request.kind === 'set_chain_length') return <ChainLengthDialog {...props} />;
  const action = request as ActionRequest;
  return <ActionDialog runId={props.runId} kind={action.kind} action={action} onClose={props.onClose} />;
}

function ExcludeDialog({
  runId,
  control,
  jobs,
  preselected,
  onClose,
}: Parameters<typeof ActionDialogHost>[0] & { preselected: string[] }) {
  const [chosen, setChosen] = useState<string[]>(preselected);
  // The nodes view names the suspects (nodes a failure named); without it the jobs' nodes are still listed.
  const nodes = useRunNodes(runId, false).data ?? null;
  const choices = nodeChoices(jobs, nodes, control.excludeNodes);
  const list = excludeHostlist(chosen);
  return (
    <ActionDialog
      runId={runId}
      kind="exclude"
      action={list.ok ? { kind: 'exclude', nodes: list.nodes } : null}
      invalidReason={list.ok ? null : list.why}
      onClose={onClose}
    >
      <NodePicker choices={choices} chosen={chosen} onChange={setChosen} />
    </ActionDialog>
  );
}

function ChainLengthDialog({ runId, control, onClose }: Parameters<typeof ActionDialogHost>[0]) {
  const [text, setText] = useState(String(control.chainLength));
  const length = Number(text);
  const valid = Number.isInteger(length) && length >= 1 && length <= MAX_CHAIN_LENGTH;
  const changed = valid && length !== control.chainLength;
  return (
    <ActionDialog
      runId={runId}
      kind="set_chain_length"
      action={changed ? { kind: 'set_chain_length', length } : null}
      invalidReason={
        valid
          ? `The chain is already ${control.chainLength} long: choose another length.`
          : `Choose a whole number from 1 to ${MAX_CHAIN_LENGTH}.`
      }
      onClose={onClose}
    >
      <label className="field">
        <span>Jobs kept queued (the running one included)</span>
        <input
          type="number"
          min={1}
          max={MAX_CHAIN_LENGTH}
          step={1}
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="chain-length"
        />
      </label>
    </ActionDialog>
  );
}
