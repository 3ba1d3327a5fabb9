import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../slurm/types.js';
import { buildNodeTiles, suspectsFromFailures, type FailureNaming } from './tiles.js';
import type { GpuSample } from './types.js';

const failure = (over: Partial<FailureNaming>): FailureNaming => ({
  kind: 'node_failure',
  timeMs: 1000,
  message: 'Node failure on c2',
  nodes: ['c2'],
  shutdownNoise: false,
  iteration: null,
  ...over,
});
const node = (name: string, state: string, reason: string | null = null): NodeStatus => ({
  name,
  state,
  rawState: state,
  notResponding: false,
  cpus: 4,
  memoryMb: 4000,
  gpus: 8,
  reason,
});
const gpu = (index: number, smClockMhz: number): GpuSample => ({
  index,
  name: 'A100',
  utilPct: 97,
  memUsedMb: 70000,
  memTotalMb: 81920,
  temperatureC: 60,
  powerW: 300,
  smClockMhz,
  slow: null,
});

describe('suspectsFromFailures()', () => {
  it('keeps the latest failure per node and counts how many named it', () => {
    const s = suspectsFromFailures([
      failure({ kind: 'ecc_error', timeMs: 1000, message: 'uncorrectable ECC error', nodes: ['c2', 'c3'] }),
      failure({ kind: 'out_of_memory', timeMs: 2000, message: 'CUDA out of memory', nodes: ['c2', 'c2'] }),
    ]);
    expect(s.get('c2')).toEqual({
      kind: 'out_of_memory',
      text: 'out of memory',
      timeMs: 2000,
      message: 'CUDA out of memory',
      count: 2,
    });
    expect(s.get('c3')).toMatchObject({ kind: 'ecc_error', count: 1 });
  });

  it("names one crash's node by the crash, not by srun's task exit that named the node", () => {
    const s = suspectsFromFailures([
      failure({ kind: 'cuda_error', message: 'CUDA error: an illegal memory access', nodes: [], iteration: 119 }),
      failure({ kind: 'task_exit', timeMs: 1001, message: 'srun: error: c3: task 0', nodes: ['c3'], iteration: 119 }),
      failure({ kind: 'task_exit', timeMs: 5000, message: 'srun: error: c4: task 0', nodes: ['c4'], iteration: 240 }),
    ]);
    expect(s.get('c3')).toEqual({
      kind: 'cuda_error',
      text: 'CUDA error',
      timeMs: 1001,
      message: 'CUDA error: an illegal memory access',
      count: 1,
    });
    // Another incident (a later iteration) with only srun's report is a task exit.
    expect(s.get('c4')).toMatchObject({ kind: 'task_exit', text: 'a task exited', count: 1 });
  });

  it('does not accuse nodes of shutdown noise after a clean exit', () => {
    expect(suspectsFromFailures([failure({ shutdownNoise: true })]).size).toBe(0);
  });
});

describe('buildNodeTiles()', () => {
  it('lists the job nodes with their Slurm state, then suspects from earlier jobs, latest first', () => {
    const tiles = buildNodeTiles({
      jobNodes: ['c3', 'c4'],
      cluster: new Map([
        ['c2', node('c2', 'drained', 'bad GPU')],
        ['c3', node('c3', 'allocated')],
        ['c4', node('c4', 'mixed')],
      ]),
      suspects: suspectsFromFailures([failure({ nodes: ['c1'], timeMs: 1 }), failure({ nodes: ['c2'], timeMs: 2 })]),
      gpusByNode: new Map(),
    });
    expect(tiles.map((t) => [t.name, t.inJob, t.slurm?.state ?? null, t.suspect?.kind ?? null])).toEqual([
      ['c3', true, 'allocated', null],
      ['c4', true, 'mixed', null],
      ['c2', false, 'drained', 'node_failure'],
      ['c1', false, null, 'node_failure'],
    ]);
    expect(tiles[2]?.slurm?.reason).toBe('bad GPU');
  });

  it('flags the slow GPU against the GPUs of every node of the job', () => {
    const tiles = buildNodeTiles({
      jobNodes: ['c1', 'c2'],
      cluster: new Map(),
      suspects: new Map(),
      // c2 alone has two GPUs: the slow one only stands out against c1's.
      gpusByNode: new Map([
        ['c1', [gpu(0, 1410), gpu(1, 1410)]],
        ['c2', [gpu(0, 1410), gpu(1, 915)]],
      ]),
    });
    expect(tiles.flatMap((t) => t.gpus.map((g) => `${t.name}/${g.index}:${g.slow ? 'slow' : 'ok'}`))).toEqual([
      'c1/0:ok',
      'c1/1:ok',
      'c2/0:ok',
      'c2/1:slow',
    ]);
  });
});
