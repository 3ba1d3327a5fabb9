import { describe, expect, it } from 'vitest';
import type { Incident } from './incident.js';
import { decideRecovery } from './recovery.js';

function incident(over: Partial<Incident>): Incident {
  return {
    key: 'k',
    kind: 'crash',
    severity: 'critical',
    failureKind: 'cuda_error',
    title: 'Crash: CUDA error',
    iteration: 120,
    offset: 10,
    evidence: [],
    suggestedAction: null,
    workLostIterations: 20,
    openedAtMs: 0,
    resolvedAtMs: null,
    details: { duringStartup: false },
    ...over,
  };
}

describe(decideRecovery.name, () => {
  it('leaves a crash during training to the failure policy (it acts once the job has ended)', () => {
    expect(decideRecovery(incident({})).act).toBe('none');
    expect(decideRecovery(incident({ kind: 'node_failure' })).act).toBe('none');
  });

  it('excludes the named nodes of a node failure', () => {
    const d = decideRecovery(
      incident({ kind: 'node_failure', suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c7'], text: '' } }),
    );
    expect(d).toMatchObject({ act: 'exclude', nodes: ['c7'] });
  });

  it('dumps stacks before resubmitting a hang', () => {
    expect(decideRecovery(incident({ kind: 'hang', failureKind: null })).act).toBe('stack_dump_then_resubmit');
  });

  it('holds the run after an out-of-memory or a python error at start-up: never resubmitted unchanged', () => {
    for (const failureKind of ['out_of_memory', 'python_exception']) {
      const d = decideRecovery(incident({ failureKind, details: { duringStartup: true } }));
      expect(d.act).toBe('hold');
      expect(d.why).toContain('change');
    }
    // The same out-of-memory mid-training (a rare batch) is left to the failure policy.
    expect(decideRecovery(incident({ failureKind: 'out_of_memory' })).act).toBe('none');
  });

  it('leaves other kinds and scheduler endings alone', () => {
    expect(decideRecovery(incident({ kind: 'loss_spike', failureKind: null })).act).toBe('none');
    expect(decideRecovery(incident({ failureKind: 'cancelled' })).act).toBe('none');
  });
});
