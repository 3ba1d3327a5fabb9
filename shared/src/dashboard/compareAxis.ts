// Where a compared run's points go on this run's x axis. By iteration and by tokens each run's own values line up
// as they are (iteration n is iteration n; a token count is a token count). By time, the runs started on different
// days: the other run's elapsed time since its first timed point is laid from this run's first timed point.
import { axisMapper, type AxisAnchor } from './axis.js';
import type { XAxis } from './viewState.js';

export type ToX = (iteration: number) => number | null;

/** The mapping of the other run's iterations to this chart's x; undefined on the iteration axis (the chart's own). */
export function compareToX(x: XAxis, own: readonly AxisAnchor[], other: readonly AxisAnchor[]): ToX | undefined {
  if (x === 'iteration') return undefined;
  if (x === 'tokens') return axisMapper(other, 1);
  const ownStart = own.find((a) => a[2] !== null)?.[2] ?? null;
  const otherStart = other.find((a) => a[2] !== null)?.[2] ?? null;
  if (ownStart === null || otherStart === null) return () => null;
  const time = axisMapper(other, 2);
  return (iteration) => {
    const t = time(iteration);
    return t === null ? null : t - otherStart + ownStart;
  };
}

/**
 * The points of a compared run inside the zoomed window of this run ([from, to] in this run's iterations, mapped to
 * x by this run's own mapping), so a zoom shows both runs over the same x range; everything when not zoomed.
 */
export function insideWindow<P extends readonly [number, unknown]>(
  points: readonly P[],
  window: { from: number | null; to: number | null },
  ownToX: ToX,
  otherToX: ToX,
): readonly P[] {
  if (window.from === null && window.to === null) return points;
  const lo = window.from === null ? -Infinity : (ownToX(window.from) ?? -Infinity);
  const hi = window.to === null ? Infinity : (ownToX(window.to) ?? Infinity);
  return points.filter(([it]) => {
    const x = otherToX(it);
    return x !== null && x >= lo && x <= hi;
  });
}
