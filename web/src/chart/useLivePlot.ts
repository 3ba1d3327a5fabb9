// A chart's live data path, outside React renders: the series source tells the chart of new points, the chart
// extends its plot series (O(new points)), recomputes its axes, and, when they are unchanged (the usual case: the
// domains are rounded outwards), only repaints its canvas and texts — no React render. A changed axis (or NaN count,
// or the sampled flag) is React state: the frame re-renders and the chart repaints after it.
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { axisFrame, finiteExtent, unionExtent, type AxisFrame } from '@trainboard/shared/dashboard/chartScale';
import { plotSeries, type PlotSeries } from '@trainboard/shared/dashboard/plotSeries';
import type { XAxis } from '@trainboard/shared/dashboard/viewState';
import type { SeriesSource } from '../liveSeries.js';

/** What the React part of a chart depends on; a live point rarely changes it. */
export interface PlotShape {
  x: AxisFrame | null;
  y: AxisFrame | null;
  nanCount: number;
  sampled: boolean;
  key: string;
}

export interface LivePlotOptions {
  toX: (iteration: number) => number | null;
  smoothing: number;
  log: boolean;
  scaleY: ((v: number) => number) | undefined;
  xKind: XAxis;
  /** The overlays' extents, so the axes hold them too. */
  overlayX: [number, number] | null;
  overlayY: [number, number] | null;
}

const EMPTY: PlotShape = { x: null, y: null, nanCount: 0, sampled: false, key: '' };

/**
 * @param paint draws the canvas and texts from the latest series and shape; called here for a live point that left
 * the shape alone (the chart also calls it after each of its renders).
 */
export function useLivePlot(
  source: SeriesSource,
  o: LivePlotOptions,
  paint: RefObject<(main: PlotSeries, shape: PlotShape) => void>,
): { shape: PlotShape; main: RefObject<PlotSeries | null> } {
  const main = useRef<PlotSeries | null>(null);
  const [shape, setShape] = useState<PlotShape>(EMPTY);
  const decided = useRef<PlotShape>(EMPTY);
  const { toX, smoothing, log, scaleY, xKind, overlayX, overlayY } = o;
  useLayoutEffect(() => {
    const update = () => {
      const s = source.get();
      const options = { toX, smoothing, log, ...(scaleY ? { scaleY } : {}) };
      const next = plotSeries(s?.points ?? [], options, main.current ?? undefined);
      main.current = next;
      const nextShape = shapeOf(next, s?.sampled ?? false, { xKind, log, overlayX, overlayY });
      if (nextShape.key === decided.current.key) paint.current(next, decided.current);
      else {
        decided.current = nextShape;
        setShape(nextShape);
      }
    };
    update();
    return source.subscribe(update);
  }, [source, toX, smoothing, log, scaleY, xKind, overlayX, overlayY, paint]);
  return { shape, main };
}

function shapeOf(
  main: PlotSeries,
  sampled: boolean,
  o: { xKind: XAxis; log: boolean; overlayX: [number, number] | null; overlayY: [number, number] | null },
): PlotShape {
  const n = main.xs.length;
  const xExtent = unionExtent(n > 0 ? [main.xs[0] as number, main.xs[n - 1] as number] : null, o.overlayX);
  const yExtent = unionExtent(finiteExtent(main.raw), o.overlayY);
  const x = n > 0 && xExtent ? axisFrame(xExtent, o.xKind === 'time' ? 'time' : 'linear', 'fine') : null;
  const y = n > 0 && yExtent ? axisFrame(yExtent, o.log ? 'log' : 'linear') : null;
  const nanCount = main.nonFinite.length;
  const key = `${x?.domain.join()}|${x?.ticks.join()}|${y?.domain.join()}|${y?.ticks.join()}|${nanCount}|${sampled}`;
  return { x, y, nanCount, sampled, key };
}
