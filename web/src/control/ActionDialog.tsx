// The confirmation dialog of one action: what it is for, what the server says it will do (effects), the exact
// scheduler commands it will run, and a confirm button named after the action. Built on the native modal <dialog>
// (focus kept inside, Escape closes, the page behind inert); focus starts on the safe choice for destructive actions
// and returns to the button that opened it.
import { useEffect, useReducer, useRef, type ReactNode, type RefObject } from 'react';
import type { ActionRequest } from '@trainboard/shared/control/api';
import { controlApi } from './controlApi.js';
import { useRunAction } from './useControlMutations.js';
import { ACTION_WORDING, actionPost, canConfirm, dialogReducer, initialDialog } from './actionDialog.js';

export interface ActionDialogProps {
  runId: number;
  /** The action as chosen so far; null while the extra fields (nodes, length) do not make a valid one yet. */
  action: ActionRequest | null;
  kind: ActionRequest['kind'];
  /** Extra fields of the action (node picker, chain length), shown above the preview. */
  children?: ReactNode;
  /** Why `action` is null, in words. */
  invalidReason?: string | null;
  onClose: (sent: boolean) => void;
}

export function ActionDialog({ runId, action, kind, children, invalidReason, onClose }: ActionDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const safeRef = useRef<HTMLButtonElement>(null);
  const [s, dispatch] = useReducer(dialogReducer, initialDialog);
  const wording = ACTION_WORDING[kind];
  const actionKey = JSON.stringify(action);

  const closeModal = useModal(ref, wording.destructive ? safeRef : null);
  const send = useRunAction(runId);

  // A new preview whenever the action's fields change or the server said the run changed.
  useEffect(() => {
    if (!action) return;
    let alive = true;
    dispatch({ type: 'preview-started' });
    controlApi.previewAction(runId, action).then(
      (preview) => alive && dispatch({ type: 'preview-loaded', preview }),
      (error: unknown) => alive && dispatch({ type: 'preview-failed', error }),
    );
    return () => void (alive = false);
  }, [s.previewRequest, actionKey]);

  const confirm = () => {
    if (!action || !s.preview || !canConfirm(s)) return;
    dispatch({ type: 'confirm' });
    send.mutate(actionPost(action, s.preview), {
      onSuccess: (a) => dispatch({ type: 'accepted', actionId: a.actionId }),
      onError: (error: unknown) => dispatch({ type: 'send-failed', error }),
    });
  };
  const close = () => (closeModal(), onClose(s.phase === 'sent'));

  return (
    <dialog
      ref={ref}
      className="action-dialog"
      aria-labelledby="action-dialog-title"
      aria-describedby="action-dialog-intro"
      data-testid={`dialog-${kind}`}
      onCancel={(e) => (e.preventDefault(), close())}
    >
      <h2 id="action-dialog-title">{wording.title}</h2>
      <p id="action-dialog-intro">{wording.intro}</p>
      {children}
      {s.notice && (
        <p className="notice" role="alert" data-testid="run-changed">
          {s.notice}
        </p>
      )}
      <DialogPreview s={s} hasAction={action !== null} invalidReason={invalidReason ?? null} />
      {s.error && (
        <p className="error" role="alert" data-testid="action-error">
          {s.error}
        </p>
      )}
      {s.phase === 'sent' && (
        <p className="done" role="status" data-testid="action-sent">
          ✓ Requested (action {s.actionId}). The controller runs it within a few seconds; the audit view shows the
          result.
        </p>
      )}
      <div className="dialog-buttons">
        <button type="button" ref={safeRef} onClick={close}>
          {s.phase === 'sent' ? 'Close' : 'Keep as is'}
        </button>
        {s.phase !== 'sent' && (
          <button
            type="button"
            className={wording.destructive ? 'danger' : 'primary'}
            disabled={!canConfirm(s) || !action}
            onClick={confirm}
            data-testid="confirm-action"
          >
            {s.phase === 'sending' ? 'Sending…' : wording.confirm}
          </button>
        )}
      </div>
    </dialog>
  );
}

/**
 * Opens the dialog as a modal when mounted (focus on `initialFocus` when given), and returns a close that puts the
 * focus back on the element that had it — done before React removes the dialog, or the focus would fall to <body>.
 */
function useModal(ref: RefObject<HTMLDialogElement | null>, initialFocus: RefObject<HTMLButtonElement | null> | null) {
  const opener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    opener.current = document.activeElement as HTMLElement | null;
    ref.current?.showModal();
    initialFocus?.current?.focus();
  }, []);
  return () => {
    ref.current?.close();
    opener.current?.focus();
  };
}

function DialogPreview({
  s,
  hasAction,
  invalidReason,
}: {
  s: ReturnType<typeof dialogReducer>;
  hasAction: boolean;
  invalidReason: string | null;
}) {
  if (!hasAction) return <p className="hint">{invalidReason ?? 'Choose what to do above.'}</p>;
  if (s.phase === 'loading' || !s.preview)
    return s.phase === 'failed' ? null : (
      <p className="hint" role="status">
        Asking the server what this would do…
      </p>
    );
  const p = s.preview;
  return (
    <div className="preview" aria-live="polite">
      <h3>What it will do</h3>
      <ul data-testid="action-effects">
        {p.effects.map((e, i) => (
          <li key={i}>{e}</li>
        ))}
      </ul>
      <h3>Exact scheduler commands</h3>
      {p.commands.length === 0 ? (
        <p className="hint">No scheduler command: only the run&apos;s desired state changes.</p>
      ) : (
        <pre className="commands" data-testid="action-commands">
          {p.commands.map((c) => `$ ${c}`).join('\n')}
        </pre>
      )}
      {p.refusal && (
        <p className="error" role="alert" data-testid="action-refusal">
          Not possible now: {p.refusal}
        </p>
      )}
      {p.commands.some((c) => c.startsWith('sbatch ')) && (
        <p className="hint">
          A new job&apos;s name and comment carry its idempotency key, assigned when the controller submits it (shown
          here as zeros).
        </p>
      )}
      <p className="hint">Planned on version {p.version} of the run.</p>
    </div>
  );
}
