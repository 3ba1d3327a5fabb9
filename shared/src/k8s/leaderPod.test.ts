import { describe, expect, it } from 'vitest';
import { isIndexZero, jobPodsSelector, leaderSelector, pickLeader, sameInstance, type PodLike } from './leaderPod.js';

const pod = (name: string, uid: string, created: string, extra: Partial<PodLike> = {}): PodLike => ({
  metadata: { name, uid, creationTimestamp: created, ...extra.metadata },
  status: extra.status ?? {
    phase: 'Running',
    containerStatuses: [{ name: 'trainer', restartCount: 0, state: { running: { startedAt: created } } }],
  },
});

describe('leader pod', () => {
  it('selects index 0 of the Indexed Job, or the PyTorchJob master', () => {
    expect(leaderSelector('job', 'tb-run1')).toBe('job-name=tb-run1,batch.kubernetes.io/job-completion-index=0');
    expect(leaderSelector('pytorchjob', 'tb-run1')).toBe(
      'training.kubeflow.org/job-name=tb-run1,training.kubeflow.org/replica-type=master',
    );
  });

  it('takes the newest pod not being deleted, with the container restart count', () => {
    const old = pod('tb-run1-0-aaaaa', 'u1', '2026-12-06T22:00:00Z', {
      metadata: { deletionTimestamp: '2026-12-06T22:05:00Z' },
    });
    const fresh = pod('tb-run1-0-bbbbb', 'u2', '2026-12-06T21:00:00Z', {
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'sidecar', restartCount: 9, state: { running: {} } },
          { name: 'trainer', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    });
    expect(pickLeader([old, fresh], 'trainer')).toEqual({
      pod: 'tb-run1-0-bbbbb',
      uid: 'u2',
      restartCount: 2,
      state: 'waiting',
    });
    const newer = pod('tb-run1-0-ccccc', 'u3', '2026-12-06T23:00:00Z');
    expect(pickLeader([fresh, newer], 'trainer')?.uid).toBe('u3');
  });

  it('reads terminated from the container state or the pod phase; nothing without pods', () => {
    const done = pod('p', 'u', '2026-12-06T22:00:00Z', {
      status: { phase: 'Failed', containerStatuses: [{ name: 'trainer', restartCount: 0, state: { terminated: {} } }] },
    });
    expect(pickLeader([done], 'trainer')?.state).toBe('terminated');
    expect(pickLeader([pod('p', 'u', 'x', { status: { phase: 'Succeeded' } })], 'trainer')?.state).toBe('terminated');
    expect(pickLeader([pod('p', 'u', 'x', { status: { phase: 'Pending' } })], 'trainer')?.state).toBe('waiting');
    expect(pickLeader([], 'trainer')).toBeNull();
    expect(sameInstance({ uid: 'u', restartCount: 1 }, { uid: 'u', restartCount: 2 })).toBe(false);
  });
});

describe('leader pod before Kubernetes 1.28', () => {
  it('finds index 0 by the annotation when the label is absent', () => {
    expect(jobPodsSelector('tb-run1')).toBe('job-name=tb-run1');
    const annotated = (index: string): PodLike => ({
      metadata: { name: `p${index}`, uid: index, annotations: { 'batch.kubernetes.io/job-completion-index': index } },
    });
    expect(isIndexZero(annotated('0'))).toBe(true);
    expect(isIndexZero(annotated('1'))).toBe(false);
    expect(isIndexZero({ metadata: { labels: { 'batch.kubernetes.io/job-completion-index': '0' } } })).toBe(true);
    expect(isIndexZero({ metadata: {} })).toBe(false);
  });
});
