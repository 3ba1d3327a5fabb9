import { describe, expect, it } from 'vitest';
import { banner, detectText, iterLines, kinds } from '../../testing/detectLog.js';

describe('restart (F15) and topology (F16) detectors', () => {
  it('the first start is not a restart; the second is, with the resume point and the iterations redone', () => {
    const text =
      banner(384, 8, 4, 12) +
      iterLines(1000, 1010) +
      '[default3]:RuntimeError: CUDA error: unknown error\n' +
      'TRAINBOARD JOB START id=7 nodes=c[1-2] time=1765000000\n' +
      banner(384, 8, 4, 12, 1000) +
      iterLines(1001, 1012);
    const incidents = detectText(text);
    expect(kinds(incidents)).toEqual(['crash', 'restart']);
    expect(incidents[1]).toMatchObject({
      severity: 'info',
      title: 'Restart after a CUDA error',
      workLostIterations: 10,
      details: {
        segment: 2,
        cause: 'cuda_error',
        previousLastIteration: 1010,
        resumeIteration: 1000,
        firstIteration: 1001,
        iterationsRedone: 10,
      },
    });
    expect(incidents[1]?.resolvedAtMs).not.toBeNull();
  });

  it('a banner with another layout is a topology change (tr11 48 → 24 nodes: W 384 → 192, DP 8 → 4)', () => {
    const text =
      banner(384, 8, 4, 12) + iterLines(94760, 94767) + banner(192, 4, 4, 12, 94767) + iterLines(94768, 94770, 216);
    const incidents = detectText(text);
    expect(kinds(incidents)).toEqual(['restart', 'topology_change']);
    expect(incidents[1]).toMatchObject({
      severity: 'info',
      title: 'Topology changed: W=384 DP=8 TP=4 PP=12 → W=192 DP=4 TP=4 PP=12',
      details: { worldSizeBefore: 384, worldSizeAfter: 192, dataParallelBefore: 8, dataParallelAfter: 4 },
    });
  });

  it('the same layout again is no topology change', () => {
    const text = banner(384, 8, 4, 12) + iterLines(1, 3) + banner(384, 8, 4, 12, 3) + iterLines(4, 5);
    expect(kinds(detectText(text))).toEqual(['restart']);
  });
});
