import { describe, expect, it } from 'vitest';
import { podDisruptions } from './nodes.js';
import { isIndexedJobPodName, isPyTorchJobPodName, jobToStatus, podCause, pyTorchJobToStatus } from './status.js';
import * as f from './testing/fixtures.js';

const NOW = Date.parse('2026-12-06T22:10:05Z');

describe('jobToStatus (Indexed Job)', () => {
  it('running: both pods up, nodes listed, id/name from the label/annotation', () => {
    const s = jobToStatus(f.job(), [f.pod('tb-run1', 0, f.running()), f.pod('tb-run1', 1, f.running())], NOW);
    expect(s).toMatchObject({
      id: '4242',
      jobId: '4242',
      name: 'run1',
      state: 'RUNNING',
      reason: null,
      nodes: ['gpu-node-01', 'gpu-node-02'],
      nodeList: 'gpu-node-01,gpu-node-02',
      submitTime: '2026-12-06T22:00:00',
      startTime: '2026-12-06T22:00:05',
      endTime: null,
      elapsedSeconds: 600,
      timeLimitSeconds: 86400,
      nodeCount: 2,
    });
  });

  it('pending with the scheduler reason while no pod runs', () => {
    const j = f.job('tb-run1', { active: 2, ready: 0, startTime: null });
    const s = jobToStatus(
      j,
      [f.pod('tb-run1', 0, f.unschedulable(), null), f.pod('tb-run1', 1, f.unschedulable(), null)],
      NOW,
    );
    expect(s.state).toBe('PENDING');
    expect(s.reason).toBe('Unschedulable');
    expect(s.nodes).toEqual([]);
  });

  it('suspended → PENDING JobHeldUser (hold)', () => {
    const j = f.job();
    j.spec!.suspend = true;
    j.status = {
      conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }],
    };
    expect(jobToStatus(j, [], NOW)).toMatchObject({ state: 'PENDING', reason: 'JobHeldUser' });
  });

  it('complete → COMPLETED with the leader exit code and completionTime as end', () => {
    const j = f.job('tb-run1', {
      active: 0,
      succeeded: 2,
      completionTime: f.T2,
      conditions: [{ type: 'Complete', status: 'True', reason: 'CompletionsReached' }],
    });
    const s = jobToStatus(
      j,
      [f.pod('tb-run1', 0, f.terminated(0, 'Completed')), f.pod('tb-run1', 1, f.terminated(0, 'Completed'))],
      NOW,
    );
    expect(s).toMatchObject({
      state: 'COMPLETED',
      exitCode: 0,
      exitSignal: null,
      endTime: '2026-12-06T23:00:05',
      elapsedSeconds: 3600,
    });
  });

  it('failed by an OOMKilled container → OUT_OF_MEMORY, 137 / signal 9', () => {
    const j = f.job('tb-run1', { active: 0, failed: 1, conditions: [f.failedCondition('PodFailurePolicy')] });
    const s = jobToStatus(
      j,
      [f.pod('tb-run1', 0, f.running()), f.pod('tb-run1', 1, f.terminated(137, 'OOMKilled'))],
      NOW,
    );
    expect(s).toMatchObject({
      state: 'OUT_OF_MEMORY',
      reason: 'OOMKilled',
      exitCode: 137,
      exitSignal: 9,
      endTime: '2026-12-06T23:00:05',
    });
  });

  it('failed with a plain non-zero exit → FAILED with that code', () => {
    const j = f.job('tb-run1', { conditions: [f.failedCondition('BackoffLimitExceeded')] });
    const s = jobToStatus(j, [f.pod('tb-run1', 0, f.terminated(3, 'Error'))], NOW);
    expect(s).toMatchObject({ state: 'FAILED', reason: 'Error', exitCode: 3, exitSignal: null });
  });

  it('evicted pod → NODE_FAIL; preempted pod → PREEMPTED; the node loss wins over the ranks it killed', () => {
    const evicted = { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' };
    const j = f.job('tb-run1', { conditions: [f.failedCondition('PodFailurePolicy')] });
    expect(
      jobToStatus(j, [f.pod('tb-run1', 0, f.terminated(1, 'Error')), f.pod('tb-run1', 1, evicted)], NOW),
    ).toMatchObject({
      state: 'NODE_FAIL',
      reason: 'Evicted',
    });
    const preempted = {
      ...f.terminated(143, 'Error'),
      conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'preempted' }],
    };
    expect(jobToStatus(j, [f.pod('tb-run1', 0, preempted)], NOW)).toMatchObject({
      state: 'PREEMPTED',
      exitCode: 143,
      exitSignal: 15,
    });
    const tainted = {
      phase: 'Failed',
      conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' }],
    };
    expect(jobToStatus(j, [f.pod('tb-run1', 0, tainted)], NOW).state).toBe('NODE_FAIL');
  });

  it('a pod gone with only its Event left: preempted → PREEMPTED, evicted → NODE_FAIL (other jobs’ events ignored)', () => {
    const j = f.job('tb-run1', { conditions: [f.failedCondition('BackoffLimitExceeded')] });
    // Without events a failed Job with no pods left can only say Failed.
    expect(jobToStatus(j, [], NOW)).toMatchObject({ state: 'FAILED', reason: 'BackoffLimitExceeded' });
    const preempted = podDisruptions([
      f.event('tb-run1-1-q8w2z', 'Preempted', 'Preempted by pod 3c0e on node gpu-node-07'),
    ]);
    expect(jobToStatus(j, [], NOW, preempted)).toMatchObject({
      state: 'PREEMPTED',
      reason: 'Preempted',
      exitCode: null,
      nodes: ['gpu-node-07'], // the gone pod's node, from its event
    });
    const evicted = podDisruptions([
      f.event('tb-run1-0-x7k2p', 'TaintManagerEviction', 'Marking for deletion Pod ml/tb-run1-0-x7k2p'),
    ]);
    expect(jobToStatus(j, [], NOW, evicted)).toMatchObject({ state: 'NODE_FAIL', reason: 'Evicted' });
    // The events of another Job whose name starts the same (tb-run1-2's pods) say nothing about this one.
    const other = podDisruptions([f.event('tb-run1-2-0-abcde', 'Preempted', 'Preempted by pod 3c0e on node n')]);
    expect(jobToStatus(j, [], NOW, other).state).toBe('FAILED');
    // A pod still there that reads only Failed (exit 143: SIGTERM from the deletion) takes its event's word.
    const killed = f.pod('tb-run1', 1, f.terminated(143, 'Error'));
    killed.metadata!.name = 'tb-run1-1-q8w2z';
    expect(jobToStatus(j, [killed], NOW, preempted)).toMatchObject({
      state: 'PREEMPTED',
      exitCode: 143,
      exitSignal: 15,
    });
    // The pod's own specific cause stands (an OOM kill is not turned into the event's eviction).
    const oom = f.pod('tb-run1', 0, f.terminated(137, 'OOMKilled'));
    expect(jobToStatus(j, [oom], NOW, evicted).state).toBe('OUT_OF_MEMORY');
    // A running job is not ended by an event of one of its pods (a restarted pod).
    expect(jobToStatus(f.job(), [f.pod('tb-run1', 0, f.running())], NOW, evicted).state).toBe('RUNNING');
  });

  it('pod names of a Job: <job>-<index>-<5 random>, the job name cut to fit 58 characters', () => {
    expect(isIndexedJobPodName('tb-run1-0-x7k2p', 'tb-run1')).toBe(true);
    expect(isIndexedJobPodName('tb-run1-12-x7k2p', 'tb-run1')).toBe(true);
    expect(isIndexedJobPodName('tb-run1-2-0-x7k2p', 'tb-run1')).toBe(false);
    expect(isIndexedJobPodName('tb-run1-0-x7k2', 'tb-run1')).toBe(false);
    const long = `tb-${'a'.repeat(60)}`;
    const cut = `${long.slice(0, 58 - 3)}-3-`;
    expect(cut.length).toBe(58);
    expect(isIndexedJobPodName(`${cut}b7x9q`, long)).toBe(true);
    expect(isIndexedJobPodName(`${cut}b7x9q`, `tb-${'a'.repeat(59)}b`)).toBe(true); // same prefix: same cut
    expect(isIndexedJobPodName(`${cut}b7x9q`, 'tb-aaa')).toBe(false);
    expect(isPyTorchJobPodName('tb-run2-master-0', 'tb-run2')).toBe(true);
    expect(isPyTorchJobPodName('tb-run2-worker-3', 'tb-run2')).toBe(true);
    expect(isPyTorchJobPodName('tb-run2-x-worker-3', 'tb-run2')).toBe(false);
  });

  it('deadline exceeded → TIMEOUT; deleting → CANCELLED; FailureTarget → COMPLETING', () => {
    expect(
      jobToStatus(
        f.job('tb-run1', {
          conditions: [f.failedCondition('DeadlineExceeded', 'Job was active longer than specified deadline')],
        }),
        [],
        NOW,
      ).state,
    ).toBe('TIMEOUT');
    const deleting = f.job();
    deleting.metadata!.deletionTimestamp = f.T2;
    expect(jobToStatus(deleting, [], NOW)).toMatchObject({ state: 'CANCELLED', reason: 'Deleted' });
    const target = f.job('tb-run1', {
      conditions: [{ type: 'FailureTarget', status: 'True', reason: 'PodFailurePolicy' }],
    });
    expect(jobToStatus(target, [], NOW)).toMatchObject({ state: 'COMPLETING', reason: 'PodFailurePolicy' });
  });

  it('accepts Date timestamps (the typed client) as well as strings', () => {
    const j = f.job('tb-run1', { startTime: new Date(f.T1) });
    j.metadata!.creationTimestamp = new Date(f.T0);
    const p = f.pod('tb-run1', 0, f.running());
    p.status!.startTime = new Date(f.T1);
    expect(jobToStatus(j, [p], NOW)).toMatchObject({
      submitTime: '2026-12-06T22:00:00',
      startTime: '2026-12-06T22:00:05',
    });
  });

  it('a queued Job has no start time although the controller set status.startTime (its pods are Pending)', () => {
    const j = f.job('tb-run1', { active: 2, ready: 0, startTime: f.T1 });
    const s = jobToStatus(j, [f.pod('tb-run1', 0, f.unschedulable(), null)], NOW);
    expect(s).toMatchObject({ state: 'PENDING', startTime: null, elapsedSeconds: null });
    // Running: the first pod's start on its node, not the Job's (which a resume resets).
    const later = jobToStatus(j, [f.pod('tb-run1', 0, f.running('2026-12-06T22:05:00Z'))], NOW);
    expect(later).toMatchObject({ state: 'RUNNING', startTime: '2026-12-06T22:05:00', elapsedSeconds: 305 });
  });

  it('the time limit is the pod template deadline (counted from the pod start), else the Job one', () => {
    const j = f.job();
    j.spec!.template.spec!.activeDeadlineSeconds = 3600;
    expect(jobToStatus(j, [], NOW).timeLimitSeconds).toBe(3600);
  });

  it('cancel during Foreground deletion: CANCELLED although the killed pods made the Job Failed after it', () => {
    const deleting = f.job('tb-run1', {
      conditions: [
        { type: 'FailureTarget', status: 'True', reason: 'PodFailurePolicy', lastTransitionTime: f.T2 },
        { ...f.failedCondition('PodFailurePolicy', 'Container trainer failed with exit code 143') },
      ],
    });
    deleting.metadata!.deletionTimestamp = f.T2;
    const killed = [f.pod('tb-run1', 0, f.terminated(143, 'Error'))];
    expect(jobToStatus(deleting, killed, NOW)).toMatchObject({ state: 'CANCELLED', reason: 'Deleted' });
    // A job that had failed before someone deleted it keeps its verdict.
    const failedBefore = f.job('tb-run1', { conditions: [f.failedCondition('BackoffLimitExceeded')] });
    failedBefore.metadata!.deletionTimestamp = '2026-12-07T00:00:00Z';
    expect(jobToStatus(failedBefore, killed, NOW)).toMatchObject({ state: 'FAILED', exitCode: 143 });
  });
});

describe('podCause', () => {
  it('is null while a pod runs or waits', () => {
    expect(podCause(f.pod('j', 0, f.running()))).toBeNull();
    expect(podCause(f.pod('j', 0, f.unschedulable(), null))).toBeNull();
  });
  it('OOMKilled wins regardless of the exit code', () => {
    expect(podCause(f.pod('j', 0, f.terminated(1, 'OOMKilled')))?.state).toBe('OUT_OF_MEMORY');
  });
  it("the pod's active deadline → TIMEOUT, and it explains the job's failure", () => {
    const p = f.pod('j', 0, { ...f.terminated(137, 'Error'), reason: 'DeadlineExceeded' });
    expect(podCause(p)).toMatchObject({ state: 'TIMEOUT', reason: 'DeadlineExceeded', exitCode: 137 });
    const j = f.job('tb-run1', { conditions: [f.failedCondition('PodFailurePolicy')] });
    expect(jobToStatus(j, [p, f.pod('j', 1, f.terminated(143, 'Error'))], NOW).state).toBe('TIMEOUT');
  });
  it('both preemption reasons (PreemptionByKubeScheduler before v1.27) → PREEMPTED', () => {
    for (const reason of ['PreemptionByScheduler', 'PreemptionByKubeScheduler']) {
      const st = { ...f.terminated(137, 'Error'), conditions: [{ type: 'DisruptionTarget', status: 'True', reason }] };
      expect(podCause(f.pod('j', 0, st))).toMatchObject({ state: 'PREEMPTED', reason });
    }
  });
  it('a pod in phase Unknown (node lost) → NODE_FAIL', () => {
    expect(podCause(f.pod('j', 0, { phase: 'Unknown', reason: 'NodeLost' }))).toMatchObject({
      state: 'NODE_FAIL',
      reason: 'NodeLost',
    });
  });
});

describe('pyTorchJobToStatus', () => {
  const master = (status: Parameters<typeof f.pod>[2]) => {
    const p = f.pod('tb-run2', 0, status);
    p.metadata!.labels = { 'training.kubeflow.org/job-name': 'tb-run2', 'training.kubeflow.org/job-role': 'master' };
    p.metadata!.annotations = {};
    p.spec!.containers[0]!.name = 'pytorch';
    p.status!.containerStatuses?.forEach((c) => (c.name = 'pytorch'));
    return p;
  };
  it('the last True condition decides', () => {
    const created = f.pyTorchJob('tb-run2', [{ type: 'Created', status: 'True' }]);
    expect(pyTorchJobToStatus(created, [], NOW)).toMatchObject({
      id: '77',
      name: 'run2',
      state: 'PENDING',
      nodeCount: 4,
    });
    const run = f.pyTorchJob('tb-run2', [
      { type: 'Created', status: 'True' },
      { type: 'Running', status: 'True' },
    ]);
    expect(pyTorchJobToStatus(run, [master(f.running())], NOW).state).toBe('RUNNING');
    const restarting = f.pyTorchJob('tb-run2', [
      { type: 'Running', status: 'False' },
      { type: 'Restarting', status: 'True' },
    ]);
    expect(pyTorchJobToStatus(restarting, [], NOW)).toMatchObject({ state: 'RUNNING', reason: 'Restarting' });
    const ok = f.pyTorchJob('tb-run2', [
      { type: 'Running', status: 'False' },
      { type: 'Succeeded', status: 'True' },
    ]);
    expect(pyTorchJobToStatus(ok, [master(f.terminated(0, 'Completed'))], NOW)).toMatchObject({
      state: 'COMPLETED',
      exitCode: 0,
    });
    const suspended = f.pyTorchJob('tb-run2', [{ type: 'Suspended', status: 'True' }]);
    expect(pyTorchJobToStatus(suspended, [], NOW)).toMatchObject({ state: 'PENDING', reason: 'JobHeldUser' });
  });
  it('Failed reads the pods: OOMKilled master → OUT_OF_MEMORY', () => {
    const failed = f.pyTorchJob('tb-run2', [
      { type: 'Running', status: 'False' },
      { type: 'Failed', status: 'True', reason: 'PyTorchJobFailed' },
    ]);
    expect(pyTorchJobToStatus(failed, [master(f.terminated(137, 'OOMKilled'))], NOW)).toMatchObject({
      state: 'OUT_OF_MEMORY',
      exitCode: 137,
    });
    expect(pyTorchJobToStatus(failed, [], NOW)).toMatchObject({ state: 'FAILED', reason: 'PyTorchJobFailed' });
  });
  it('Failed for its runPolicy deadline (the operator says so only in the message) → TIMEOUT', () => {
    const late = f.pyTorchJob('tb-run2', [
      { type: 'Running', status: 'False' },
      {
        type: 'Failed',
        status: 'True',
        reason: 'PyTorchJobFailed',
        message: 'PyTorchJob tb-run2 has failed because it was active longer than specified deadline',
      },
    ]);
    expect(pyTorchJobToStatus(late, [master(f.terminated(137, 'Error'))], NOW)).toMatchObject({ state: 'TIMEOUT' });
  });
  it('a PyTorchJob being deleted reads CANCELLED, not RUNNING', () => {
    const run = f.pyTorchJob('tb-run2', [
      { type: 'Created', status: 'True' },
      { type: 'Running', status: 'True' },
    ]);
    run.metadata!.deletionTimestamp = f.T2;
    expect(pyTorchJobToStatus(run, [master(f.running())], NOW)).toMatchObject({ state: 'CANCELLED' });
  });
});

describe('suspended reasons', () => {
  it('a user hold reads JobHeldUser, a dependency wait reads Dependency, the hold wins', () => {
    const j = f.job();
    j.spec!.suspend = true;
    j.metadata!.annotations = { 'trainboard.io/name': 'run1', 'trainboard.io/dependency': 'afterany:12' };
    expect(jobToStatus(j, []).reason).toBe('Dependency');
    j.metadata!.annotations['trainboard.io/held'] = 'user';
    expect(jobToStatus(j, []).reason).toBe('JobHeldUser');
  });
});
