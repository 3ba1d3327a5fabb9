import { describe, expect, it } from 'vitest';
import type { JobEnd } from '../api.js';
import { MAX_TIMELINE_ENTRIES, publicEndKind, publicNodeName, publicTimeline, type TimelineJob } from './timeline.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 6, 10);
const end = (e: Partial<JobEnd>): JobEnd => ({
  kind: null,
  text: 'x',
  node: null,
  iteration: null,
  failed: false,
  source: 'log',
  ...e,
});
const crashed: TimelineJob = {
  state: 'FAILED',
  nodeList: 'jz-gpu-[11-12]',
  startedAt: T0,
  endedAt: T0 + 4 * H,
  end: end({
    kind: 'cuda_error',
    text: 'CUDA error: an illegal memory access /gpfs/secret/path job 4242',
    node: 'jz-gpu-12',
    iteration: 700,
    failed: true,
  }),
};
const resumed: TimelineJob = {
  state: 'RUNNING',
  nodeList: 'jz-gpu-13',
  startedAt: T0 + 4 * H + 5 * 60_000,
  endedAt: null,
  end: null,
};
const checkpoints = [
  { iteration: 300, timeMs: T0 + 2 * H },
  { iteration: 600, timeMs: T0 + 3 * H },
];

describe('publicTimeline', () => {
  it('says what happened in server-written words: start, hardware failure, restart from the checkpoint', () => {
    const t = publicTimeline({ jobs: [crashed, resumed], checkpoints, showNodes: false });
    expect(t.map((e) => [e.kind, e.iteration, e.text])).toEqual([
      ['started', null, 'Training started'],
      ['checkpoint', 300, 'Checkpoint saved at iteration 300'],
      ['checkpoint', 600, 'Checkpoint saved at iteration 600'],
      ['hardware_failure', 700, 'Stopped by a hardware failure at iteration 700'],
      ['restarted', 600, 'Restarted after a hardware failure, from the checkpoint at iteration 600'],
    ]);
    expect(t[0]?.at).toBe(new Date(T0).toISOString());
    // Nothing of the private log text, paths or node names.
    expect(JSON.stringify(t)).not.toMatch(/illegal|gpfs|4242|jz-gpu/);
  });

  it('names nodes only when the publisher opted in, and only a plain hostname', () => {
    const t = publicTimeline({ jobs: [crashed, resumed], checkpoints, showNodes: true });
    expect(t.find((e) => e.kind === 'hardware_failure')?.text).toBe(
      'Stopped by a hardware failure at iteration 700 on node jz-gpu-12',
    );
    // The compressed node list of the first job is not a hostname: left out.
    expect(t.find((e) => e.kind === 'started')?.text).toBe('Training started');
    expect(t.find((e) => e.kind === 'restarted')?.text).toMatch(/ on node jz-gpu-13$/);
    expect(publicNodeName('node 1; rm -rf /')).toBeNull();
    expect(publicNodeName('/gpfs/x')).toBeNull();
    expect(publicNodeName('gpu1.cluster.example.org')).toBe('gpu1.cluster.example.org');
  });

  it('tells hardware from software failures, hangs, time limits and clean ends', () => {
    const kind = (k: string | null, state = 'FAILED', failed = true) =>
      publicEndKind({ state, end: k === null && state !== 'FAILED' ? null : end({ kind: k, failed }) });
    expect(kind('ecc_error')).toBe('hardware_failure');
    expect(kind('node_failure')).toBe('hardware_failure');
    expect(kind('bus_error')).toBe('hardware_failure');
    expect(kind('nccl_error')).toBe('hardware_failure');
    expect(kind('python_exception')).toBe('software_failure');
    expect(kind('out_of_memory')).toBe('software_failure');
    expect(kind('nccl_timeout')).toBe('hang');
    expect(kind('time_limit')).toBe('time_limit');
    expect(kind('duration_limit', 'COMPLETED', false)).toBe('time_limit');
    expect(kind('train_done', 'COMPLETED', false)).toBe('finished');
    expect(kind(null, 'NODE_FAIL')).toBe('hardware_failure');
    expect(kind(null, 'TIMEOUT')).toBe('time_limit');
    expect(kind(null, 'CANCELLED')).toBe('stopped');
    expect(kind(null, 'RUNNING')).toBeNull();
  });

  it('restarts after a time limit say so, and entries without a time are left out', () => {
    const timedOut: TimelineJob = { ...crashed, state: 'TIMEOUT', end: null };
    const queued: TimelineJob = { state: 'PENDING', nodeList: null, startedAt: null, endedAt: null, end: null };
    const t = publicTimeline({ jobs: [timedOut, resumed, queued], checkpoints: [], showNodes: false });
    expect(t.map((e) => e.text)).toEqual([
      'Training started',
      'Reached the job time limit',
      'Restarted after the job time limit',
    ]);
  });

  it('keeps at most 200 entries: failures before old checkpoints, the newest kept', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ iteration: i * 10, timeMs: T0 + i * 1000 }));
    const t = publicTimeline({ jobs: [crashed, resumed], checkpoints: many, showNodes: false });
    expect(t).toHaveLength(MAX_TIMELINE_ENTRIES);
    expect(t.filter((e) => e.kind !== 'checkpoint')).toHaveLength(3);
    expect(t.filter((e) => e.kind === 'checkpoint').at(-1)?.iteration).toBe(4990);
  });
});
