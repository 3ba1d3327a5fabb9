// The logic of an action's confirmation dialog, apart from React so it can be tested: what each action is called
// and says, the dialog's states (preview loading → ready → sending → sent), and what a failure means — above all a
// 409 `run_changed`, which keeps the dialog open, says so, and asks for a fresh preview before anything is sent.
import type { ActionPost, ActionPreview, ActionRequest } from '@trainboard/shared/control/api';
import { ApiError } from '../http.js';

export type ActionKind = ActionRequest['kind'];

export interface ActionWording {
  title: string;
  /** The confirm button's label: the verb of the action, never a bare "OK". */
  confirm: string;
  /** What it is for, in one sentence, above the effects the server lists. */
  intro: string;
  /** Stops or discards work: the confirm button is styled as dangerous and the dialog opens on "Keep as is". */
  destructive: boolean;
}

export const ACTION_WORDING: Record<ActionKind, ActionWording> = {
  cancel_job: {
    title: 'Cancel job',
    confirm: 'Cancel job',
    intro: 'Stops this Slurm job. Work since the last checkpoint is lost.',
    destructive: true,
  },
  cancel_run: {
    title: 'Cancel run',
    confirm: 'Cancel run',
    intro: 'Stops every job of this run and submits no more. Work since the last checkpoint is lost.',
    destructive: true,
  },
  resubmit: {
    title: 'Resubmit from the last checkpoint',
    confirm: 'Resubmit',
    intro: 'Submits a new job that resumes from the last saved checkpoint.',
    destructive: false,
  },
  exclude: {
    title: 'Resubmit excluding nodes',
    confirm: 'Resubmit without these nodes',
    intro: 'Submits a new job that resumes from the last checkpoint and never runs on the chosen nodes.',
    destructive: false,
  },
  save_exit: {
    title: 'Save and exit',
    confirm: 'Save and exit',
    intro: 'Asks the running job to save a checkpoint and stop; the chain is held afterwards.',
    destructive: true,
  },
  hold: {
    title: 'Hold the chain',
    confirm: 'Hold',
    intro: 'Keeps the queued jobs from starting until the chain is released. The running job goes on.',
    destructive: false,
  },
  release: {
    title: 'Release the chain',
    confirm: 'Release',
    intro: 'Lets the held jobs start again, and submits the chain up to its length.',
    destructive: false,
  },
  set_chain_length: {
    title: 'Change the chain length',
    confirm: 'Change length',
    intro: 'How many jobs are kept queued for this run, the running one included.',
    destructive: false,
  },
};

export const RUN_CHANGED_NOTICE =
  'This run changed since the page loaded. The commands below were planned again on its current state: check them before you confirm.';

export type DialogPhase = 'loading' | 'ready' | 'sending' | 'sent' | 'failed';

export interface DialogState {
  phase: DialogPhase;
  preview: ActionPreview | null;
  /** Stays through a reload: why the preview was planned again. */
  notice: string | null;
  /** Why the last step failed, in words. */
  error: string | null;
  actionId: number | null;
  /** Bumped whenever a fresh preview is needed; the component loads one per value. */
  previewRequest: number;
}

export type DialogEvent =
  | { type: 'preview-started' }
  | { type: 'preview-loaded'; preview: ActionPreview }
  | { type: 'preview-failed'; error: unknown }
  | { type: 'confirm' }
  | { type: 'accepted'; actionId: number }
  | { type: 'send-failed'; error: unknown };

export const initialDialog: DialogState = {
  phase: 'loading',
  preview: null,
  notice: null,
  error: null,
  actionId: null,
  previewRequest: 1,
};

export function dialogReducer(s: DialogState, e: DialogEvent): DialogState {
  switch (e.type) {
    case 'preview-started':
      return { ...s, phase: 'loading', preview: null, error: null, actionId: null };
    case 'preview-loaded':
      return s.phase === 'loading' ? { ...s, phase: 'ready', preview: e.preview, error: null } : s;
    case 'preview-failed':
      return { ...s, phase: 'failed', preview: null, error: actionErrorText(e.error) };
    case 'confirm':
      return canConfirm(s) ? { ...s, phase: 'sending', error: null } : s;
    case 'accepted':
      return { ...s, phase: 'sent', actionId: e.actionId, error: null };
    case 'send-failed':
      if (isRunChanged(e.error))
        return {
          ...s,
          phase: 'loading',
          preview: null,
          notice: RUN_CHANGED_NOTICE,
          previewRequest: s.previewRequest + 1,
        };
      return { ...s, phase: 'ready', error: actionErrorText(e.error) };
  }
}

/** Confirming needs a preview the server did not refuse, and nothing in flight. */
export function canConfirm(s: DialogState): boolean {
  return s.phase === 'ready' && s.preview !== null && s.preview.refusal === null;
}

/** The body of `POST /api/runs/:id/actions`: the action with the version its confirmed preview was planned on. */
export function actionPost(action: ActionRequest, preview: ActionPreview): ActionPost {
  return { action, expectedVersion: preview.version };
}

export function isRunChanged(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.code === 'run_changed';
}

export function actionErrorText(err: unknown): string {
  if (!(err instanceof ApiError)) return 'The server did not answer. Nothing was sent to the cluster; try again.';
  switch (err.status) {
    case 400:
      return `The server refused this request: ${err.message}`;
    case 401:
      return 'You are signed out. Sign in again, then retry.';
    case 403:
      return 'Your role does not allow this action. Ask an operator or an admin.';
    case 404:
      return 'This run is not controlled by Trainboard (it is only followed), or it no longer exists.';
    case 409:
      return `The run cannot do this now: ${err.message}`;
    case 429:
      return 'Too many requests. Wait a moment, then try again.';
    default:
      return `The server could not do this (${err.message}). Nothing was confirmed; check the audit view.`;
  }
}
