import { describe, expect, it } from 'vitest';
import type { GpuFact, NodeGpuFacts } from '../clusterFacts.js';
import { suspectGpus } from './gpuSuspects.js';

const busy = (index: number, over: Partial<GpuFact> = {}): GpuFact => ({
  index,
  smClockMhz: 1410 - (index % 2) * 15,
  maxSmClockMhz: 1410,
  temperatureC: 60 + (index % 5),
  utilizationPct: 97,
  ...over,
});
const node = (name: string, gpus: GpuFact[], jobId = '41'): NodeGpuFacts => ({ timeMs: 0, jobId, node: name, gpus });
const eight = (over: Record<number, Partial<GpuFact>> = {}) =>
  Array.from({ length: 8 }, (_, i) => busy(i, over[i] ?? {}));

describe('suspectGpus (F7: which node holds the job back)', () => {
  it('names the throttled, hot GPU 0 of c1 among four busy nodes, in words', () => {
    const facts = [
      node('c1', eight({ 0: { smClockMhz: 600, temperatureC: 89 } })),
      node('c2', eight()),
      node('c3', eight()),
      node('c4', eight()),
    ];
    const found = suspectGpus(facts);
    expect(found.map((s) => [s.node, s.gpu.index])).toEqual([['c1', 0]]);
    expect(found[0]!.text).toBe('GPU 0 on c1: SM clock 600 of 1410 MHz, 89 °C');
  });

  it('also names a GPU that is only hot, or only idle while the others are busy', () => {
    const hot = suspectGpus([node('c1', eight()), node('c2', eight({ 5: { temperatureC: 91 } }))]);
    expect(hot.map((s) => s.text)).toEqual(['GPU 5 on c2: SM clock 1395 of 1410 MHz, 91 °C']);
    const idle = suspectGpus([node('c1', eight({ 3: { utilizationPct: 12 } })), node('c2', eight())]);
    expect(idle.map((s) => s.text)).toEqual(['GPU 3 on c1: SM clock 1395 of 1410 MHz, 63 °C, 12% busy']);
  });

  it('names nobody for a healthy job, an idle job, a site-wide cap, or one GPU alone', () => {
    expect(suspectGpus([node('c1', eight()), node('c2', eight())])).toEqual([]);
    const idle = (i: number) => busy(i, { smClockMhz: 210, temperatureC: 33, utilizationPct: 0 });
    expect(suspectGpus([node('c1', [0, 1, 2, 3].map(idle)), node('c2', [0, 1, 2, 3].map(idle))])).toEqual([]);
    const capped = (i: number) => busy(i, { smClockMhz: 900 });
    expect(suspectGpus([node('c1', [0, 1].map(capped)), node('c2', [0, 1].map(capped))])).toEqual([]);
    expect(suspectGpus([node('c1', [busy(0, { smClockMhz: 600, temperatureC: 89 })])])).toEqual([]);
  });

  it('names nobody when most nodes stand out (that is the normal, not a bad node)', () => {
    const bad = eight({ 0: { smClockMhz: 500, temperatureC: 92 } });
    expect(suspectGpus([node('c1', bad), node('c2', bad), node('c3', eight())])).toEqual([]);
  });

  it('judges missing readings as unknown, not as low', () => {
    const blank = (i: number) => ({
      index: i,
      smClockMhz: null,
      maxSmClockMhz: null,
      temperatureC: null,
      utilizationPct: null,
    });
    expect(suspectGpus([node('c1', [0, 1].map(blank)), node('c2', eight())])).toEqual([]);
  });
});
