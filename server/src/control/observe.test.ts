import { describe, expect, it } from 'vitest';
import type { JobStatus } from '@trainboard/shared/slurm/types';
import { statusPatch } from './observe.js';

const base = { id: '90', jobId: '90', arrayJobId: null, arrayTaskId: null, name: 'gpt', reason: null, nodes: [] };
const status = (state: string, nodeList: string | null) =>
  ({ ...base, state, nodeList, partition: 'debug', exitCode: null, exitSignal: null }) as unknown as JobStatus;

describe('statusPatch', () => {
  it('keeps the stored allocation when squeue shows none (a requeued job after a node failure)', () => {
    expect(statusPatch(status('RUNNING', 'c4'), 1).nodeList).toBe('c4');
    const requeued = statusPatch(status('PENDING', null), 2);
    expect(requeued.nodeList).toBeUndefined();
    expect(requeued.startedAt).toBeNull();
  });
});
