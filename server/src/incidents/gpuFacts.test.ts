import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NodeGpuFacts } from '@trainboard/shared/detect/clusterFacts';
import { connectGpuFacts } from './gpuFacts.js';

afterEach(() => vi.useRealTimers());

describe('connectGpuFacts', () => {
  it('keeps runs with an open regression watched each period, and hands every sample to the detection', () => {
    vi.useFakeTimers();
    const watched: number[] = [];
    let listener: ((runId: number, facts: NodeGpuFacts[]) => void) | null = null;
    const nodes = {
      watch: (runId: number) => watched.push(runId),
      onGpus: (l: (runId: number, facts: NodeGpuFacts[]) => void) => {
        listener = l;
        return () => (listener = null);
      },
    };
    const observed: [number, readonly NodeGpuFacts[]][] = [];
    let wanted = [3];
    const incidents = {
      wantsGpus: () => wanted,
      observeGpus: (runId: number, facts: readonly NodeGpuFacts[]) => observed.push([runId, facts]),
    };
    const feed = connectGpuFacts(nodes, incidents, 1000);
    vi.advanceTimersByTime(2500);
    expect(watched).toEqual([3, 3]);
    wanted = [];
    vi.advanceTimersByTime(1000);
    expect(watched).toEqual([3, 3]);
    const facts = [{ timeMs: 1, jobId: '42', node: 'c1', gpus: [] }];
    listener!(7, facts);
    expect(observed).toEqual([[7, facts]]);
    feed.stop();
    expect(listener).toBeNull();
    wanted = [3];
    vi.advanceTimersByTime(5000);
    expect(watched).toEqual([3, 3]);
  });
});
