import { describe, expect, it } from 'vitest';
import { disruptionsByNode, nodeToStatus, podDisruptions } from './nodes.js';
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
  it('keeps evictions, preemptions and OOM kills, with the event time and the node the event names', () => {
    const events = [
      f.event('p0', 'Evicted', 'The node was low on resource: memory.'),
      f.event('p1', 'Preempted', 'Preempted by pod 3c0e on node gpu-node-07'),
      f.event('p1', 'Scheduled', 'Successfully assigned'),
      f.event('p2', 'OOMKilling', 'Memory cgroup out of memory'),
      f.event('p3', 'TaintManagerEviction', 'Marking for deletion Pod ml/p3'),
    ];
    const at = Date.parse(f.T2);
    expect(podDisruptions(events)).toEqual([
      { pod: 'p0', kind: 'evicted', message: 'The node was low on resource: memory.', atMs: at, node: 'gpu-node-02' },
      {
        pod: 'p1',
        kind: 'preempted',
        message: 'Preempted by pod 3c0e on node gpu-node-07',
        atMs: at,
        node: 'gpu-node-07',
      },
      { pod: 'p2', kind: 'oom', message: 'Memory cgroup out of memory', atMs: at, node: 'gpu-node-02' },
      { pod: 'p3', kind: 'evicted', message: 'Marking for deletion Pod ml/p3', atMs: at, node: null },
    ]);
  });

  it('times: the series’ last observation, else lastTimestamp, else eventTime, else the creation', () => {
    const e = f.event('p0', 'Evicted', 'x', '2026-12-06T22:10:00Z');
    expect(podDisruptions([{ ...e, series: { count: 3, lastObservedTime: '2026-12-06T22:30:00Z' } }])[0]?.atMs).toBe(
      Date.parse('2026-12-06T22:30:00Z'),
    );
    expect(podDisruptions([{ ...e, lastTimestamp: null, eventTime: null }])[0]?.atMs).toBe(Date.parse(f.T0));
  });
});

describe('disruptionsByNode', () => {
  it('puts each on the node its event names, else where the pod was seen; newest first, bounded', () => {
    const ds = podDisruptions([
      f.event('p0', 'Evicted', 'low on memory', '2026-12-06T22:10:00Z'),
      f.event('p3', 'TaintManagerEviction', 'Marking for deletion Pod ml/p3', '2026-12-06T22:20:00Z'),
      f.event('p4', 'TaintManagerEviction', 'Marking for deletion Pod ml/p4', '2026-12-06T22:30:00Z'),
    ]);
    const byNode = disruptionsByNode(ds, new Map([['p3', 'gpu-node-02']]));
    expect([...byNode.keys()]).toEqual(['gpu-node-02']); // p4's node is unknown: left out, not guessed
    expect(byNode.get('gpu-node-02')?.map((d) => d.pod)).toEqual(['p3', 'p0']);
    expect(disruptionsByNode(ds, new Map([['p3', 'gpu-node-02']]), 1).get('gpu-node-02')).toHaveLength(1);
  });

  it('nodeToStatus carries them; a node without any has no disruptions field (the sinfo shape)', () => {
    const [d] = podDisruptions([f.event('p0', 'Evicted', 'The node was low on resource: memory.')]);
    expect(nodeToStatus(f.node('gpu-node-02'), [], d ? [d] : []).disruptions).toEqual([
      { kind: 'evicted', pod: 'p0', message: 'The node was low on resource: memory.', atMs: Date.parse(f.T2) },
    ]);
    expect(nodeToStatus(f.node('gpu-node-02'), [])).not.toHaveProperty('disruptions');
  });
});
