// The layer over a chart's plot area: canvases with the points (drawPlot) and the overlays, and the pointer: a vertical cursor with
// the values at the nearest iteration, and drag-to-zoom reporting an iteration range. Hover and drag re-render only
// this layer's few elements, never the recharts frame, and never redraw the canvas.
import { useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type MouseEvent } from 'react';
import { pixelInverse, pixelScale, type AxisFrame } from '@trainboard/shared/dashboard/chartScale';
import { formatValue } from '@trainboard/shared/dashboard/format';
import { nearestIndex, type PlotSeries } from '@trainboard/shared/dashboard/plotSeries';
import type { PlotArea } from './ChartFrame.js';
import { drawOverlays, drawPlot, type PlotLine } from './drawPlot.js';

interface Props {
  area: PlotArea;
  main: PlotSeries;
  overlays: PlotLine[];
  smoothing: number;
  x: AxisFrame;
  y: AxisFrame;
  log: boolean;
  /** The x axis' name and format for the read-out ("tokens 1.2B"); null for iterations (already shown). */
  xLabel: string | null;
  formatX: (x: number) => string;
  onZoom: (from: number, to: number) => void;
}

/** The read-out lists at most this many overlays (the loss of a BLOOM run has 29 validation groups). */
const MAX_READOUT_OVERLAYS = 8;
/** An overlay's point farther than this from the cursor is not read out (validations are sparse). */
const READOUT_REACH_PX = 24;
/** A drag shorter than this is a click, not a zoom. */
const MIN_DRAG_PX = 4;

export function PlotLayer(p: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const overlayCanvas = useRef<HTMLCanvasElement>(null);
  const theme = useSyncExternalStore(subscribeTheme, () => document.documentElement.dataset.theme ?? '');
  const [hover, setHover] = useState<number | null>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const { width, height } = p.area;
  const px = useMemo(() => pixelScale('linear', p.x.domain, [0, width]), [p.x.domain, width]);
  const toData = useMemo(() => pixelInverse('linear', p.x.domain, [0, width]), [p.x.domain, width]);
  const py = useMemo(() => pixelScale(p.log ? 'log' : 'linear', p.y.domain, [height, 0]), [p.log, p.y.domain, height]);

  useLayoutEffect(() => {
    const ctx = sizedContext(canvas.current, width, height);
    if (!ctx) return;
    const lines = drawPlot(ctx, width, height, {
      main: p.main,
      smoothing: p.smoothing,
      px,
      py,
      colors: themeColors(theme),
    });
    // For tests and the benchmark: what the last draw showed.
    ctx.canvas.dataset.lines = lines.join(',');
    ctx.canvas.dataset.drawn = String(p.main.xs.length);
  }, [p.main, p.smoothing, px, py, width, height, theme]);
  // Validation groups change a few times an hour: a live update does not redraw them.
  useLayoutEffect(() => {
    const ctx = sizedContext(overlayCanvas.current, width, height);
    if (ctx) ctx.canvas.dataset.lines = drawOverlays(ctx, width, height, p.overlays, px, py).join(',');
  }, [p.overlays, px, py, width, height]);

  const localX = (e: MouseEvent) => e.clientX - e.currentTarget.getBoundingClientRect().left;
  const iterationAt = (pixel: number) => {
    const i = nearestIndex(p.main.xs, toData(pixel));
    return i < 0 ? undefined : p.main.iterations[i];
  };
  const endDrag = () => {
    if (drag && Math.abs(drag.b - drag.a) >= MIN_DRAG_PX) {
      const a = iterationAt(drag.a);
      const b = iterationAt(drag.b);
      if (a !== undefined && b !== undefined && a !== b) p.onZoom(Math.min(a, b), Math.max(a, b));
    }
    setDrag(null);
  };

  return (
    <div
      className="plot-layer"
      style={{ left: p.area.x, top: p.area.y, width, height }}
      onMouseDown={(e) => {
        const x = localX(e);
        setDrag({ a: x, b: x });
      }}
      onMouseMove={(e) => {
        const x = localX(e);
        setHover(x);
        if (drag) setDrag({ a: drag.a, b: x });
      }}
      onMouseUp={endDrag}
      onMouseLeave={() => {
        setHover(null);
        setDrag(null);
      }}
    >
      <canvas ref={canvas} style={{ width, height }} />
      {p.overlays.length > 0 && <canvas ref={overlayCanvas} className="overlays" style={{ width, height }} />}
      {drag && Math.abs(drag.b - drag.a) >= MIN_DRAG_PX && (
        <div className="zoom-area" style={{ left: Math.min(drag.a, drag.b), width: Math.abs(drag.b - drag.a) }} />
      )}
      {hover !== null && !drag && <Readout {...p} px={px} at={toData(hover)} />}
    </div>
  );
}

function Readout(p: Props & { px: (x: number) => number; at: number }) {
  const i = nearestIndex(p.main.xs, p.at);
  if (i < 0) return null;
  const x = p.main.xs[i] as number;
  const left = p.px(x);
  const nearOverlays = p.overlays.flatMap((o) => {
    const j = nearestIndex(o.series.xs, p.at);
    const ox = o.series.xs[j];
    return j >= 0 && ox !== undefined && Math.abs(p.px(ox) - left) <= READOUT_REACH_PX
      ? [{ name: o.name, color: o.color, value: o.series.values[j] as number }]
      : [];
  });
  const shown = nearOverlays.slice(0, MAX_READOUT_OVERLAYS);
  const onRight = left < p.area.width * 0.6;
  return (
    <>
      <div className="cursor" style={{ left }} />
      <div
        className="readout"
        data-testid="readout"
        style={onRight ? { left: left + 12 } : { right: p.area.width - left + 12 }}
      >
        <div className="muted">
          iteration {p.main.iterations[i]}
          {p.xLabel && ` · ${p.xLabel} ${p.formatX(x)}`}
        </div>
        <div>
          {p.smoothing > 0 ? 'raw ' : ''}
          <b>{formatValue(p.main.values[i] as number)}</b>
        </div>
        {p.smoothing > 0 && (
          <div>
            smoothed <b>{formatValue(p.main.smooth[i] as number)}</b>
          </div>
        )}
        {shown.map((o) => (
          <div key={o.name} style={{ color: o.color }}>
            {o.name} <b>{formatValue(o.value)}</b>
          </div>
        ))}
        {nearOverlays.length > shown.length && <div className="muted">+{nearOverlays.length - shown.length} more</div>}
      </div>
    </>
  );
}

/** The canvas' 2D context, its backing store sized to the CSS size times the device pixel ratio. */
function sizedContext(el: HTMLCanvasElement | null, width: number, height: number): CanvasRenderingContext2D | null {
  const ctx = el?.getContext('2d');
  if (!el || !ctx) return null;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(width * dpr);
  const h = Math.round(height * dpr);
  if (el.width !== w || el.height !== h) [el.width, el.height] = [w, h];
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

const colorsByTheme = new Map<string, { accent: string; bad: string }>();

/** The theme's colours, read once per theme: getComputedStyle on every draw would force a style recalculation. */
function themeColors(theme: string): { accent: string; bad: string } {
  let colors = colorsByTheme.get(theme);
  if (!colors) {
    const css = getComputedStyle(document.documentElement);
    colors = {
      accent: css.getPropertyValue('--accent').trim() || '#60a5fa',
      bad: css.getPropertyValue('--bad').trim() || '#f87171',
    };
    colorsByTheme.set(theme, colors);
  }
  return colors;
}

/** The theme is an attribute of <html> (App sets it from the URL): the canvas redraws in the new colours. */
function subscribeTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => observer.disconnect();
}
