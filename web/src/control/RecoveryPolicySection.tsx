// The run's "Recovery policy" (issue 15): what Trainboard does by itself when an incident opens, and how much of the
// window's restart budget is used. Everyone who can read the run sees it; operators edit it in a native modal
// <dialog> like the other dialogs (every input labelled with its unit, errors in words and announced, Escape
// closes). A save names the version it started from: if another operator saved meanwhile, the dialog says so and
// shows their values to review.
import { useEffect, useRef, useState } from 'react';
import type { RecoveryPolicy, RecoveryPolicyDto } from '@trainboard/shared/control/recoveryPolicy';
import { ApiError } from '../http.js';
import { checkForm, formOf, ifMatchOf, NUMBERS, TOGGLES, usageText, type RecoveryForm } from './recoveryPolicyForm.js';
import { useRecoveryPolicy, useSaveRecoveryPolicy } from './useRecoveryPolicy.js';

export function RecoveryPolicySection({ runId, canOperate }: { runId: number; canOperate: boolean }) {
  const query = useRecoveryPolicy(runId);
  const [open, setOpen] = useState(false);
  if (!query.data) return query.error ? <p className="error">Recovery policy: {query.error.message}</p> : null;
  return (
    <RecoveryPolicySummary dto={query.data} canOperate={canOperate} onEdit={() => setOpen(true)}>
      {open && <RecoveryPolicyDialog runId={runId} dto={query.data} onClose={() => setOpen(false)} />}
    </RecoveryPolicySummary>
  );
}

/** The usage line and the settings in words (read-only); operators get the button that opens the dialog. */
export function RecoveryPolicySummary({
  dto,
  canOperate,
  onEdit,
  children,
}: {
  dto: RecoveryPolicyDto;
  canOperate: boolean;
  onEdit: () => void;
  children?: React.ReactNode;
}) {
  const p = dto.policy;
  return (
    <section className="recovery-policy" aria-labelledby="recovery-policy-heading" data-testid="recovery-policy">
      <h2 id="recovery-policy-heading">Recovery policy</h2>
      <p data-testid="recovery-usage">{usageText(dto)}</p>
      <details>
        <summary>Settings</summary>
        <ul>
          {TOGGLES.map(([key, label]) => (
            <li key={key}>
              {label}: <strong>{p[key] ? 'on' : 'off'}</strong>
            </li>
          ))}
          {NUMBERS.map(([key, label, unit]) => (
            <li key={key}>
              {label}: <strong>{`${p[key]} ${unit}`}</strong>
            </li>
          ))}
        </ul>
        {dto.updatedBy && <p className="hint">Last changed by {dto.updatedBy}.</p>}
      </details>
      {canOperate && (
        <button type="button" onClick={onEdit} data-testid="edit-recovery-policy">
          Edit recovery policy…
        </button>
      )}
      {children}
    </section>
  );
}

function saveError(err: Error | null): string | null {
  if (!err) return null;
  if (err instanceof ApiError && err.status === 409)
    return 'Another operator changed the policy since you opened it: their values are shown now. Review them and save again.';
  if (err instanceof ApiError && err.status === 403) return 'Only operators can change the recovery policy.';
  return `Not saved: ${err.message}`;
}

export function RecoveryPolicyDialog({
  runId,
  dto,
  onClose,
}: {
  runId: number;
  dto: RecoveryPolicyDto;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [base, setBase] = useState(dto);
  const [form, setForm] = useState<RecoveryForm>(() => formOf(dto.policy));
  const [tried, setTried] = useState(false);
  const save = useSaveRecoveryPolicy(runId);
  useEffect(() => ref.current?.showModal(), []);
  // After a 409 the query reads the other operator's version: start again from it.
  useEffect(() => {
    if (save.error instanceof ApiError && save.error.status === 409 && dto.updatedAt !== base.updatedAt) {
      setBase(dto);
      setForm(formOf(dto.policy));
    }
  }, [dto, base.updatedAt, save.error]);
  const check = checkForm(form);
  const errors = tried && !check.ok ? check.errors : {};
  const close = () => (ref.current?.close(), onClose());
  const submit = () => {
    setTried(true);
    if (check.ok) save.mutate({ policy: check.body, ifMatch: ifMatchOf(base) }, { onSuccess: close });
  };
  const failure = saveError(save.error);
  return (
    <dialog
      ref={ref}
      className="action-dialog recovery-policy-dialog"
      aria-labelledby="recovery-policy-title"
      data-testid="dialog-recovery-policy"
      onCancel={(e) => (e.preventDefault(), close())}
    >
      <h2 id="recovery-policy-title">Recovery policy</h2>
      <p>What Trainboard does by itself when an incident opens on this run. Every automatic action is audited.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <RecoveryPolicyFields form={form} errors={errors} edit={(patch) => setForm((f) => ({ ...f, ...patch }))} />
        {failure && (
          <p className="error" role="alert" data-testid="recovery-policy-error">
            {failure}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={save.isPending} data-testid="save-recovery-policy">
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** The labelled inputs: one checkbox per toggle (with its explanation), one number per limit (with its unit). */
export function RecoveryPolicyFields({
  form,
  errors,
  edit,
}: {
  form: RecoveryForm;
  errors: Partial<Record<keyof RecoveryPolicy, string>>;
  edit: (patch: Partial<RecoveryForm>) => void;
}) {
  return (
    <>
      <fieldset className="field">
        <legend>Automatic actions</legend>
        {TOGGLES.map(([key, label, hint]) => (
          <label className="checkbox" key={key}>
            <input
              type="checkbox"
              checked={form[key]}
              disabled={key !== 'enabled' && !form.enabled}
              aria-describedby={`rp-${key}-hint`}
              onChange={(e) => edit({ [key]: e.target.checked })}
            />{' '}
            {label}{' '}
            <span className="hint" id={`rp-${key}-hint`}>
              {hint}
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset className="field">
        <legend>Backoff and limit</legend>
        {NUMBERS.map(([key, label, unit, hint]) => {
          const id = `rp-${key}`;
          const described = [hint ? `${id}-hint` : '', errors[key] ? `${id}-error` : ''].filter(Boolean).join(' ');
          return (
            <p className="number-field" key={key}>
              <label htmlFor={id}>{label}</label>{' '}
              <input
                id={id}
                type="number"
                inputMode="decimal"
                min={0}
                step={key === 'windowHours' ? 0.1 : 1}
                value={form[key]}
                aria-invalid={errors[key] ? true : undefined}
                aria-describedby={described || undefined}
                onChange={(e) => edit({ [key]: e.target.value })}
              />{' '}
              <span>{unit}</span>
              {hint && (
                <span className="hint" id={`${id}-hint`}>
                  {' '}
                  {hint}
                </span>
              )}
              {errors[key] && (
                <span className="error" role="alert" id={`${id}-error`}>
                  {' '}
                  {errors[key]}
                </span>
              )}
            </p>
          );
        })}
      </fieldset>
    </>
  );
}
