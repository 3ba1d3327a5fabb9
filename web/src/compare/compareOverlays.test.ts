import { describe, expect, it } from 'vitest';
import type { AxisAnchor } from '@trainboard/shared/dashboard/axis';
import { DEFAULT_VIEW } from '@trainboard/shared/dashboard/viewState';
import type { WireNumber } from '@trainboard/shared/metrics/fields';
import type { SeriesResponse } from '../api.js';
import { compareOverlays, runLabel } from './compareOverlays.js';

const series = (runId: number, loss: [number, WireNumber][]): SeriesResponse => ({
  runId,
  seq: 1,
  series: { lmLoss: { points: loss, sampled: false, count: loss.length } },
});
const names = [{ id: 7, name: 'tr-earlier' }];
// This run: 1,000 tokens per iteration; run 7: 2,000 (twice the batch).
const own: AxisAnchor[] = [
  [0, 0, null],
  [100, 100_000, null],
];
const other: AxisAnchor[] = [
  [0, 0, null],
  [100, 200_000, null],
];
const run7 = series(7, [
  [10, 3.5],
  [20, 'NaN'],
  [30, 3.1],
]);

describe('compareOverlays', () => {
  it('one dashed compare overlay per compared run and chart, named, NaN restored, charts it lacks empty', () => {
    const out = compareOverlays(
      [{ id: 7, data: run7, anchors: undefined }],
      ['lmLoss', 'gradNorm'],
      DEFAULT_VIEW,
      own,
      names,
    );
    expect(out.lmLoss).toHaveLength(1);
    expect(out.lmLoss?.[0]).toMatchObject({ name: 'run 7 · tr-earlier', kind: 'compare' });
    expect(out.lmLoss?.[0]?.points).toEqual([
      [10, 3.5],
      [20, NaN],
      [30, 3.1],
    ]);
    expect(out.lmLoss?.[0]?.toX).toBeUndefined(); // by iteration: the chart's own mapping
    expect(out.gradNorm?.[0]?.points).toEqual([]);
  });

  it('leaves a run out until its series arrives', () => {
    expect(
      compareOverlays([{ id: 9, data: undefined, anchors: undefined }], ['lmLoss'], DEFAULT_VIEW, own, names),
    ).toEqual({
      lmLoss: [],
    });
  });

  it("by tokens maps the other run through its own anchors and keeps it inside this run's zoom", () => {
    const view = { ...DEFAULT_VIEW, x: 'tokens' as const, from: 15, to: 50 }; // this run's tokens 15k..50k
    const [overlay] =
      compareOverlays([{ id: 7, data: run7, anchors: other }], ['lmLoss'], view, own, names).lmLoss ?? [];
    expect(overlay?.toX?.(10)).toBe(20_000);
    expect(overlay?.points.map(([it]) => it)).toEqual([10, 20]); // 20k and 40k tokens; 30 is 60k, outside
  });

  it('names a run it has no name for by its id', () => {
    expect(runLabel(3, names)).toBe('run 3');
  });
});
