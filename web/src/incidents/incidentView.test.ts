import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { describe, expect, it } from 'vitest';
import { incidentAction, incidentKindWord, incidentMarks, orderIncidents } from './incidentView.js';

const incident = (over: Partial<StoredIncident>): StoredIncident => ({
  id: 1,
  runId: 3,
  jobId: '41',
  key: 'crash:100',
  kind: 'crash',
  severity: 'critical',
  failureKind: 'cuda_error',
  title: 'Crash: CUDA error on c3 after iteration 119',
  iteration: 119,
  offset: 100,
  evidence: [],
  suggestedAction: { kind: 'resubmit', text: 'Resubmit from iteration 100' },
  workLostIterations: 19,
  openedAtMs: 1000,
  resolvedAtMs: null,
  ...over,
});

describe('incident view', () => {
  it('names a crash with its failure kind', () => {
    expect(incidentKindWord(incident({}))).toBe('crash (cuda error)');
    expect(incidentKindWord(incident({ kind: 'hang', failureKind: null }))).toBe('hang');
  });

  it('maps suggestions onto the run actions, only while open', () => {
    expect(incidentAction(incident({}))?.request).toEqual({ kind: 'resubmit' });
    const exclude = incident({ suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c3'], text: 'x' } });
    expect(incidentAction(exclude)?.request).toEqual({ kind: 'exclude', preselected: ['c3'] });
    const hang = incident({ kind: 'hang', suggestedAction: { kind: 'stack_dump_then_resubmit', text: 'x' } });
    expect(incidentAction(hang)).toEqual({ request: { kind: 'cancel_job', jobId: '41' }, label: 'Cancel job 41…' });
    expect(incidentAction({ ...hang, jobId: null })).toBeNull();
    expect(incidentAction(incident({ suggestedAction: { kind: 'stop', text: 'x' } }))?.request).toEqual({
      kind: 'cancel_run',
    });
    expect(incidentAction(incident({ suggestedAction: { kind: 'none', text: 'x' } }))).toBeNull();
    expect(incidentAction(incident({ resolvedAtMs: 2000 }))).toBeNull();
  });

  it('orders open first (most severe, newest), then resolved newest first', () => {
    const list = [
      incident({ id: 1, resolvedAtMs: 50 }),
      incident({ id: 2, severity: 'warning', openedAtMs: 900 }),
      incident({ id: 3, openedAtMs: 10 }),
      incident({ id: 4, resolvedAtMs: 90 }),
      incident({ id: 5, openedAtMs: 20 }),
    ];
    expect(orderIncidents(list).map((i) => i.id)).toEqual([5, 3, 2, 4, 1]);
  });

  it('marks incidents with an iteration, not restarts, saying which are open', () => {
    const marks = incidentMarks([
      incident({}),
      incident({ kind: 'restart', severity: 'info' }),
      incident({ iteration: null }),
      incident({ kind: 'loss_spike', severity: 'warning', resolvedAtMs: 5, iteration: 300 }),
    ]);
    expect(marks).toEqual([
      { kind: 'incident', iteration: 119, timeMs: 1000, label: '✕ crash (cuda error) (open)' },
      { kind: 'incident', iteration: 300, timeMs: 1000, label: '⚠ loss spike' },
    ]);
  });
});
