import { describe, expect, it } from 'vitest';
import { minMaxIndices } from './downsample.js';

/** The bucketing as first written (one pass, every kind checked per value): the fast one must keep the same indexes. */
function reference(ys: ArrayLike<number>, target: number): number[] | null {
  const n = ys.length;
  if (n <= Math.max(target, 2)) return null;
  const bucketCount = Math.max(1, Math.floor(target / 2));
  const size = n / bucketCount;
  const keep: number[] = [];
  for (let b = 0; b < bucketCount; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    let [min, max, nan, posInf, negInf] = [-1, -1, -1, -1, -1];
    for (let i = start; i < end; i++) {
      const y = ys[i] as number;
      if (Number.isNaN(y)) nan = nan < 0 ? i : nan;
      else if (y === Infinity) posInf = posInf < 0 ? i : posInf;
      else if (y === -Infinity) negInf = negInf < 0 ? i : negInf;
      else {
        if (min < 0 || y < (ys[min] as number)) min = i;
        if (max < 0 || y > (ys[max] as number)) max = i;
      }
    }
    const picked = [min, max, nan, posInf, negInf].filter((i) => i >= 0).sort((a, c) => a - c);
    for (const i of picked) if (keep.at(-1) !== i) keep.push(i);
  }
  if (keep.at(-1) !== n - 1) keep.push(n - 1);
  return keep;
}

function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

describe('minMaxIndices', () => {
  it('keeps exactly the indexes of the one-pass reference: ties, plateaus, NaN, ±Inf, -0, all non-finite buckets', () => {
    const rand = lcg(11);
    for (const n of [3, 2001, 4000, 20_011, 115_311]) {
      for (const target of [10, 11, 2000]) {
        const ys = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const r = rand();
          ys[i] =
            r < 0.002
              ? NaN
              : r < 0.003
                ? Infinity
                : r < 0.004
                  ? -Infinity
                  : r < 0.005
                    ? -0
                    : r < 0.3
                      ? Math.round(r * 10) // ties and plateaus
                      : Math.sin(i / 50) + r;
        }
        if (n > 100) ys.fill(NaN, 40, 100); // whole buckets with nothing finite
        expect(minMaxIndices(ys, target)).toEqual(reference(ys, target));
        expect(minMaxIndices(Array.from(ys), target)).toEqual(reference(ys, target));
      }
    }
  });
});
