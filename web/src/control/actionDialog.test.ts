import type { ActionPreview } from '@trainboard/shared/control/api';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../http.js';
import {
  ACTION_WORDING,
  actionErrorText,
  actionPost,
  canConfirm,
  dialogReducer,
  initialDialog,
  RUN_CHANGED_NOTICE,
  type DialogState,
} from './actionDialog.js';

const preview = (version: number, refusal: string | null = null): ActionPreview => ({
  runId: 3,
  version,
  action: { kind: 'resubmit' },
  commands: ['scancel 41', 'sbatch --parsable --job-name=demo.tb.ab12cd.7 --dependency=afterany:40'],
  effects: ['job 41 is cancelled', 'a new job resumes from checkpoint 200'],
  refusal,
});
const runChanged = new ApiError('the run changed', 409, 'run_changed', { currentVersion: 8 });
const ready = (v = 7): DialogState =>
  dialogReducer(dialogReducer(initialDialog, { type: 'preview-started' }), {
    type: 'preview-loaded',
    preview: preview(v),
  });

describe('the action dialog', () => {
  it('can be confirmed only once a preview the server did not refuse is shown', () => {
    expect(canConfirm(initialDialog)).toBe(false);
    expect(dialogReducer(initialDialog, { type: 'confirm' })).toBe(initialDialog);
    expect(canConfirm(ready())).toBe(true);
    const refused = dialogReducer(initialDialog, {
      type: 'preview-loaded',
      preview: preview(7, 'the run is not held'),
    });
    expect(canConfirm(refused)).toBe(false);
    const sending = dialogReducer(ready(), { type: 'confirm' });
    expect(sending.phase).toBe('sending');
    expect(canConfirm(sending)).toBe(false); // no double send
  });

  it('sends the version of the preview the user confirmed', () => {
    const s = ready(7);
    expect(actionPost({ kind: 'exclude', nodes: 'c2' }, s.preview!)).toEqual({
      action: { kind: 'exclude', nodes: 'c2' },
      expectedVersion: 7,
    });
  });

  it('on 409 run_changed says so, drops the stale commands and asks for a new preview', () => {
    const s = dialogReducer(dialogReducer(ready(7), { type: 'confirm' }), { type: 'send-failed', error: runChanged });
    expect(s.phase).toBe('loading');
    expect(s.preview).toBeNull();
    expect(s.notice).toBe(RUN_CHANGED_NOTICE);
    expect(s.notice).toContain('changed since the page loaded');
    expect(s.previewRequest).toBe(ready(7).previewRequest + 1);
    // The new preview is shown with the notice still there, and confirming now sends the new version.
    const again = dialogReducer(dialogReducer(s, { type: 'preview-started' }), {
      type: 'preview-loaded',
      preview: preview(8),
    });
    expect(again.notice).toBe(RUN_CHANGED_NOTICE);
    expect(canConfirm(again)).toBe(true);
    expect(actionPost({ kind: 'resubmit' }, again.preview!).expectedVersion).toBe(8);
  });

  it('keeps the preview after another failure and says what went wrong in words', () => {
    const forbidden = new ApiError('forbidden', 403, 'forbidden', {});
    const s = dialogReducer(dialogReducer(ready(), { type: 'confirm' }), { type: 'send-failed', error: forbidden });
    expect(s.phase).toBe('ready');
    expect(s.preview?.version).toBe(7);
    expect(s.error).toBe('Your role does not allow this action. Ask an operator or an admin.');
    expect(s.notice).toBeNull();
  });

  it('ignores a preview that arrives when none is awaited, and records the accepted action', () => {
    const sending = dialogReducer(ready(), { type: 'confirm' });
    expect(dialogReducer(sending, { type: 'preview-loaded', preview: preview(9) })).toBe(sending);
    const sent = dialogReducer(sending, { type: 'accepted', actionId: 12 });
    expect(sent).toMatchObject({ phase: 'sent', actionId: 12 });
  });

  it('words every error kind, and never says OK on a confirm button', () => {
    expect(actionErrorText(new TypeError('Failed to fetch'))).toMatch(/did not answer/);
    expect(actionErrorText(new ApiError('nope', 401, 'unauthorized', {}))).toMatch(/signed out/);
    expect(actionErrorText(new ApiError('bad nodes', 400, 'invalid', {}))).toContain('bad nodes');
    expect(actionErrorText(new ApiError('x', 500, null, {}))).toMatch(/check the audit view/);
    for (const w of Object.values(ACTION_WORDING)) expect(w.confirm).not.toMatch(/^ok$/i);
    expect(ACTION_WORDING.cancel_run.destructive).toBe(true);
    expect(ACTION_WORDING.resubmit.destructive).toBe(false);
  });
});
