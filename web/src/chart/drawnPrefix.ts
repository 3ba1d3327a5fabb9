// Whether a chart's canvas already shows the start of a series: a live point then draws only the new segments.
// Pure, so the conditions under which a full redraw is needed are tested (an axis moved, a restart replaced the
// tail, the smoothing, theme or canvas changed).
import type { PlotSeries } from '@trainboard/shared/dashboard/plotSeries';

/** What the canvas holds: enough to tell whether a new series only extends it. */
export interface DrawnState {
  main: PlotSeries;
  key: string;
  smoothing: number;
  theme: string;
  /** The canvas and its backing store's size (a new or resized canvas is blank). */
  el: object;
  size: number;
  count?: number;
  last?: [x: number, iteration: number, value: number] | null;
}

/** Points compared to recognise an extension: first, middle and last drawn (a reloaded, re-bucketed series differs). */
const probes = (n: number) => [0, n >> 1, n - 1];

export function lastPoint(main: PlotSeries): [number, number, number] | null {
  const n = main.xs.length;
  return n > 0 ? [main.xs[n - 1] as number, main.iterations[n - 1] as number, main.values[n - 1] as number] : null;
}

/**
 * How many of `next`'s points the canvas already shows, drawn on the same axes, size, smoothing and colours: the
 * live path then draws only the rest. 0 = redraw everything (a restart replaced the tail, an axis moved…).
 */
export function drawnPrefix(before: DrawnState | null, next: DrawnState): number {
  if (!before?.count || !before.last) return 0;
  const same =
    before.key === next.key &&
    before.el === next.el &&
    before.size === next.size &&
    before.smoothing === next.smoothing &&
    before.theme === next.theme &&
    sameOptions(before.main, next.main);
  const n = before.count;
  const a = before.main;
  const b = next.main;
  const extends_ =
    b.xs.length >= n &&
    b.xs[n - 1] === before.last[0] &&
    b.iterations[n - 1] === before.last[1] &&
    Object.is(b.values[n - 1], before.last[2]) &&
    probes(n).every((i) => b.iterations[i] === a.iterations[i] && Object.is(b.values[i], a.values[i]));
  return same && extends_ ? n : 0;
}

function sameOptions(a: PlotSeries, b: PlotSeries): boolean {
  const o = a.growth.options;
  const q = b.growth.options;
  return o.toX === q.toX && o.scaleY === q.scaleY && o.smoothing === q.smoothing && o.log === q.log;
}
