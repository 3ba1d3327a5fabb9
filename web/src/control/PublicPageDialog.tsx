// "Public page…": an operator publishes the run at /p/<slug> (anyone with the link can follow it), changes its
// title, description or node names, copies the link, or takes it down. Built on the native modal <dialog> like the
// action dialogs; every input is labelled, errors are announced.
import { useEffect, useRef, useState } from 'react';
import type { PublicationDto } from '@trainboard/shared/public/publication';
import { copyOutcomeText, useCopiedFeedback } from '../useCopiedFeedback.js';
import { checkForm, editForm, formOf, publicLink, type PublicationForm } from './publicationForm.js';
import { usePublication, usePublicationMutations } from './usePublication.js';

/** The button that opens the dialog, with the page's state next to it. Operators only (the caller checks). */
export function PublicPageButton({ runId }: { runId: number }) {
  const [open, setOpen] = useState(false);
  const publication = usePublication(runId);
  const p = publication.data ?? null;
  return (
    <div className="public-page-button">
      <button type="button" onClick={() => setOpen(true)} data-testid="open-public-page">
        Public page…
      </button>
      {p && (
        <a href={p.path} target="_blank" rel="noreferrer">
          public at {p.path}
        </a>
      )}
      {open && publication.isSuccess && <PublicPageDialog runId={runId} current={p} onClose={() => setOpen(false)} />}
    </div>
  );
}

export function PublicPageDialog({
  runId,
  current,
  onClose,
}: {
  runId: number;
  current: PublicationDto | null;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [form, setForm] = useState<PublicationForm>(() => formOf(current));
  const [tried, setTried] = useState(false);
  const { publish, unpublish } = usePublicationMutations(runId);
  useEffect(() => ref.current?.showModal(), []);
  const check = checkForm(form);
  const errors = tried && !check.ok ? check.errors : {};
  const edit: Edit = (patch) => setForm((f) => editForm(f, patch));
  const busy = publish.isPending || unpublish.isPending;
  const failure = publish.error ?? unpublish.error;
  const link = current ? publicLink(window.location.origin, current.slug) : null;
  const close = () => (ref.current?.close(), onClose());
  const submit = () => {
    setTried(true);
    if (check.ok) publish.mutate(check.body);
  };

  return (
    <dialog
      ref={ref}
      className="action-dialog public-page-dialog"
      aria-labelledby="public-page-title"
      data-testid="dialog-public-page"
      onCancel={(e) => (e.preventDefault(), close())}
    >
      <h2 id="public-page-title">Public page</h2>
      <p>
        Anyone with the link can follow this run: progress, loss curve, throughput and a timeline written by Trainboard.
        No hostnames, paths, job ids, user names or log text are shown; node names only if you allow them below.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <PublicFields form={form} errors={errors} edit={edit} />
        {failure && (
          <p className="error" role="alert" data-testid="public-page-error">
            {failure.message}
          </p>
        )}
        {link && <PublicLink link={link} />}
        <div className="dialog-buttons">
          <button type="button" onClick={close}>
            Close
          </button>
          {current && (
            <button type="button" className="danger" disabled={busy} onClick={() => unpublish.mutate()}>
              Unpublish
            </button>
          )}
          <button type="submit" className="primary" disabled={busy} data-testid="publish">
            {publish.isPending ? 'Saving…' : current ? 'Update' : 'Publish'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

type Edit = (patch: Parameters<typeof editForm>[1]) => void;

/** The labelled inputs: title, slug (suggested from the title until typed), description, node names. */
function PublicFields({
  form,
  errors,
  edit,
}: {
  form: PublicationForm;
  errors: Partial<Record<'slug' | 'title' | 'description', string>>;
  edit: Edit;
}) {
  return (
    <>
      <Field id="pub-title" label="Title" error={errors.title}>
        <input id="pub-title" value={form.title} maxLength={120} onChange={(e) => edit({ title: e.target.value })} />
      </Field>
      <Field id="pub-slug" label="Address: /p/" error={errors.slug}>
        <input
          id="pub-slug"
          value={form.slug}
          maxLength={64}
          spellCheck={false}
          autoCapitalize="off"
          onChange={(e) => edit({ slug: e.target.value })}
        />
      </Field>
      <Field id="pub-description" label="Description (optional)" error={errors.description}>
        <textarea
          id="pub-description"
          value={form.description}
          maxLength={500}
          rows={3}
          onChange={(e) => edit({ description: e.target.value })}
        />
      </Field>
      <label className="checkbox">
        <input type="checkbox" checked={form.showNodes} onChange={(e) => edit({ showNodes: e.target.checked })} /> Show
        node names in the timeline
      </label>
    </>
  );
}

/** The public address, and a button that copies it (its outcome announced). */
function PublicLink({ link }: { link: string }) {
  const [copied, copy] = useCopiedFeedback();
  return (
    <p className="done" role="status">
      Public at{' '}
      <a href={link} target="_blank" rel="noreferrer" data-testid="public-link">
        {link}
      </a>{' '}
      <button type="button" onClick={() => void copy(link)}>
        Copy link
      </button>{' '}
      <span aria-live="polite">{copyOutcomeText(copied)}</span>
    </p>
  );
}

function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error: string | undefined;
  children: React.ReactNode;
}) {
  return (
    <p className="field">
      <label htmlFor={id}>{label}</label> {children}
      {error && (
        <span className="error" role="alert" id={`${id}-error`}>
          {error}
        </span>
      )}
    </p>
  );
}
