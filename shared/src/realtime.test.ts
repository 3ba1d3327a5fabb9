import { describe, expect, it } from 'vitest';
import { acceptBatch, subscribeRequestSchema, type LivePoint, type PointsBatch } from './realtime.js';

const pt = (id: number): LivePoint => ({ id, iteration: id, segment: 1, timeMs: 0, values: {} });
const batch = (prevSeq: number, ids: number[]): PointsBatch => ({
  runId: 1,
  seq: ids.at(-1) as number,
  prevSeq,
  points: ids.map(pt),
  replay: false,
});

describe('acceptBatch', () => {
  it('accepts a batch that follows the last applied seq, even with non-contiguous ids', () => {
    expect(acceptBatch(7, batch(7, [12, 15]))).toEqual({ gap: false, fresh: [pt(12), pt(15)] });
  });
  it('reports a gap when the previous batch was missed', () => {
    expect(acceptBatch(7, batch(9, [12])).gap).toBe(true);
  });
  it('drops points already applied when a replay overlaps live batches', () => {
    expect(acceptBatch(12, batch(7, [9, 12, 15]))).toEqual({ gap: false, fresh: [pt(15)] });
  });
});

describe('subscribeRequestSchema', () => {
  it('rejects what is not a positive run id and a non-negative seq', () => {
    expect(subscribeRequestSchema.safeParse({ runId: 3, afterSeq: 0 }).success).toBe(true);
    for (const bad of [{ runId: 0 }, { runId: '3' }, { runId: 3, afterSeq: -1 }, { runId: 1.5 }, null]) {
      expect(subscribeRequestSchema.safeParse(bad).success).toBe(false);
    }
  });
});
