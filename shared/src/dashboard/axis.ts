// Mapping an iteration to the other x axes (consumed tokens, wall time) by linear interpolation between known
// anchors: the chart series are keyed by iteration, and the server sends a sparse table of (iteration, tokens, time).

/** Sorted by iteration; values may be null where a row lacked them. */
export type AxisAnchor = [iteration: number, tokens: number | null, timeMs: number | null];

/** Interpolates column `col` (1 = tokens, 2 = time) at `iteration`; null when no anchors bracket a value. */
export function mapIteration(anchors: readonly AxisAnchor[], iteration: number, col: 1 | 2): number | null {
  return axisMapper(anchors, col)(iteration);
}

/**
 * mapIteration with the anchors prepared once: a chart maps thousands of points and annotations per render, and
 * filtering ~1,000 anchors for each of them showed up as tens of milliseconds on an x-axis switch.
 */
export function axisMapper(anchors: readonly AxisAnchor[], col: 1 | 2): (iteration: number) => number | null {
  const known = anchors.filter((a) => a[col] !== null);
  return (iteration) => {
    if (known.length === 0) return null;
    let lo = 0;
    let hi = known.length - 1;
    const first = known[0] as AxisAnchor;
    const last = known[hi] as AxisAnchor;
    if (iteration <= first[0]) return extrapolate(first, known[1], iteration, col);
    if (iteration >= last[0]) return extrapolate(last, known[hi - 1], iteration, col);
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((known[mid] as AxisAnchor)[0] <= iteration) lo = mid;
      else hi = mid;
    }
    const a = known[lo] as AxisAnchor;
    const b = known[hi] as AxisAnchor;
    const t = (iteration - a[0]) / (b[0] - a[0] || 1);
    return (a[col] as number) + t * ((b[col] as number) - (a[col] as number));
  };
}

function extrapolate(edge: AxisAnchor, other: AxisAnchor | undefined, iteration: number, col: 1 | 2): number {
  const v = edge[col] as number;
  if (!other || other[0] === edge[0]) return v;
  const slope = ((other[col] as number) - v) / (other[0] - edge[0]);
  return v + slope * (iteration - edge[0]);
}
