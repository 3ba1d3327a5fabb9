import { describe, expect, it } from 'vitest';
import { nodeToStatus, podDisruptions } from './nodes.js';
import * as f from './testing/fixtures.js';

const gpuPod = (nodeName: string, gpus: string, phase = 'Running') => {
  const p = f.pod('tb-run1', 0, { phase }, nodeName);
  p.spec!.containers[0]!.resources = { limits: { 'nvidia.com/gpu': gpus } };
  return p;
};

describe('nodeToStatus', () => {
  it('idle ready node: allocatable CPUs, memory and GPUs', () => {
    expect(nodeToStatus(f.node('gpu-node-01'), [])).toEqual({
      name: 'gpu-node-01',
      state: 'idle',
      rawState: 'idle',
      notResponding: false,
      cpus: 95,
      memoryMb: Math.floor((2103459876 * 1024) / 2 ** 20),
      gpus: 8,
      reason: null,
    });
  });
  it('mixed / allocated from the GPUs of active pods; finished pods do not count', () => {
    expect(nodeToStatus(f.node('n'), [gpuPod('n', '4')]).state).toBe('mixed');
    expect(nodeToStatus(f.node('n'), [gpuPod('n', '4'), gpuPod('n', '4')]).state).toBe('allocated');
    expect(nodeToStatus(f.node('n'), [gpuPod('n', '8', 'Succeeded')]).state).toBe('idle');
  });
  it('NotReady → down; Unknown → down* (not responding) with the kubelet message', () => {
    expect(nodeToStatus(f.node('n', { ready: 'False' }), [])).toMatchObject({ state: 'down', notResponding: false });
    expect(nodeToStatus(f.node('n', { ready: 'Unknown' }), [])).toMatchObject({
      state: 'down',
      rawState: 'down*',
      notResponding: true,
      reason: 'Kubelet stopped posting node status.',
    });
  });
  it('cordoned → drained, or draining while pods still run', () => {
    const cordon = { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] };
    expect(nodeToStatus(f.node('n', cordon), [])).toMatchObject({ state: 'drained', reason: 'cordoned' });
    expect(nodeToStatus(f.node('n', cordon), [gpuPod('n', '8')]).state).toBe('draining');
  });
  it('reason: a pressure condition, else a NoSchedule/NoExecute taint (the GPU taint is ignored)', () => {
    expect(nodeToStatus(f.node('n', { pressure: 'DiskPressure' }), []).reason).toBe('DiskPressure');
    const taints = [
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
      { key: 'maintenance', value: 'true', effect: 'NoExecute' },
    ];
    expect(nodeToStatus(f.node('n', { taints }), []).reason).toBe('taint maintenance=true:NoExecute');
    expect(nodeToStatus(f.node('n', { taints: taints.slice(0, 1) }), []).reason).toBeNull();
  });
  it('without pod visibility (null) a ready node reads idle', () => {
    expect(nodeToStatus(f.node('n'), null).state).toBe('idle');
  });
});

describe('podDisruptions', () => {
  it('keeps evictions, preemptions and OOM kills, with the event time', () => {
    const events = [
      f.event('p0', 'Evicted', 'The node was low on resource: memory.'),
      f.event('p1', 'Preempted', 'Preempted by pod 3c0e on node gpu-node-07'),
      f.event('p1', 'Scheduled', 'Successfully assigned'),
      f.event('p2', 'OOMKilling', 'Memory cgroup out of memory'),
    ];
    expect(podDisruptions(events)).toEqual([
      { pod: 'p0', kind: 'evicted', message: 'The node was low on resource: memory.', atMs: Date.parse(f.T2) },
      { pod: 'p1', kind: 'preempted', message: 'Preempted by pod 3c0e on node gpu-node-07', atMs: Date.parse(f.T2) },
      { pod: 'p2', kind: 'oom', message: 'Memory cgroup out of memory', atMs: Date.parse(f.T2) },
    ]);
  });
});
