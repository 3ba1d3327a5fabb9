// The layer over a chart's plot area: the canvas with the points (painted by the chart), the overlays' canvas, and
// the pointer and the keyboard. Pointer events, so mouse, pen and touch work alike: a hover or a tap sets the page's
// shared cursor (every chart shows the same iteration, each with its read-out), a horizontal drag zooms to an
// iteration range. The layer takes `touch-action: pan-y pinch-zoom`: a vertical swipe still scrolls the page (the
// browser cancels our pointer), a horizontal one is ours. Focused, the arrow keys move the cursor and the value is
// announced. Cursor moves re-render only these few elements, never the frame or the canvas.
import {
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type KeyboardEvent,
  type PointerEvent,
  type RefObject,
} from 'react';
import { pixelInverse, pixelScale, type AxisFrame } from '@trainboard/shared/dashboard/chartScale';
import { formatValue } from '@trainboard/shared/dashboard/format';
import { nearestIndex, type PlotSeries } from '@trainboard/shared/dashboard/plotSeries';
import type { Mark, PlotArea } from './ChartFrame.js';
import { cursorIndex, stepCursor, type CursorStore } from './cursor.js';
import { drawOverlays, type PlotLine } from './drawPlot.js';
import { LineSwatch } from './LineSwatch.js';
import { MARK_STYLES } from './markStyle.js';
import { sizedContext } from './theme.js';

interface Props {
  area: PlotArea;
  canvas: RefObject<HTMLCanvasElement | null>;
  getMain: () => PlotSeries | null;
  overlays: PlotLine[];
  smoothing: number;
  x: AxisFrame;
  y: AxisFrame;
  log: boolean;
  title: string;
  captionId: string;
  /** The x axis' name and format for the read-out ("tokens 1.2B"); null for iterations (already shown). */
  xLabel: string | null;
  formatX: (x: number) => string;
  marks: readonly Mark[];
  cursor: CursorStore;
  onFocus: () => void;
  onZoom: (from: number, to: number) => void;
}

/** The read-out lists at most this many overlays (the loss of a BLOOM run has 29 validation groups). */
const MAX_READOUT_OVERLAYS = 8;
/** An overlay's point (or a mark) farther than this from the cursor is not read out (validations are sparse). */
const READOUT_REACH_PX = 24;
/** A drag shorter than this is a click or a tap, not a zoom. */
const MIN_DRAG_PX = 6;

export function PlotLayer(p: Props) {
  const overlayCanvas = useRef<HTMLCanvasElement>(null);
  const iteration = useSyncExternalStore(p.cursor.subscribe, p.cursor.get);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [announce, setAnnounce] = useState('');
  const { width, height } = p.area;
  const px = useMemo(() => pixelScale('linear', p.x.domain, [0, width]), [p.x.domain, width]);
  const toData = useMemo(() => pixelInverse('linear', p.x.domain, [0, width]), [p.x.domain, width]);
  const py = useMemo(() => pixelScale(p.log ? 'log' : 'linear', p.y.domain, [height, 0]), [p.log, p.y.domain, height]);
  useLayoutEffect(() => {
    const ctx = sizedContext(overlayCanvas.current, width, height);
    if (ctx) drawOverlays(ctx, width, height, p.overlays, px, py);
  }, [p.overlays, px, py, width, height]);

  const gestures = usePointerGestures(p, toData, drag, setDrag);
  const onKeyDown = (e: KeyboardEvent) => {
    const main = p.getMain();
    if (!main) return;
    if (e.key === 'Escape') return p.cursor.set(null);
    const next = stepCursor(cursorIndex(main.iterations, iteration), e.key, main.iterations.length, e.shiftKey);
    if (next === null) return;
    e.preventDefault();
    p.cursor.set(main.iterations[next] as number);
    setAnnounce(readoutText(p, main, next));
  };

  return (
    <div
      className="plot-layer"
      style={{ left: p.area.x, top: p.area.y, width, height }}
      tabIndex={0}
      role="application"
      aria-roledescription="chart"
      aria-label={`${p.title}: arrow keys read the values, shift or page keys jump, Escape clears`}
      aria-describedby={p.captionId}
      onKeyDown={onKeyDown}
      onFocus={p.onFocus}
      {...gestures}
    >
      <canvas ref={p.canvas} style={{ width, height }} />
      {p.overlays.length > 0 && <canvas ref={overlayCanvas} className="overlays" style={{ width, height }} />}
      {drag && Math.abs(drag.b - drag.a) >= MIN_DRAG_PX && (
        <div className="zoom-area" style={{ left: Math.min(drag.a, drag.b), width: Math.abs(drag.b - drag.a) }} />
      )}
      {iteration !== null && !(drag && Math.abs(drag.b - drag.a) >= MIN_DRAG_PX) && (
        <Readout {...p} px={px} iteration={iteration} />
      )}
      <div className="visually-hidden" aria-live="polite">
        {announce}
      </div>
    </div>
  );
}

interface Drag {
  a: number;
  b: number;
  pointer: number;
}

/**
 * Pointer handlers: a mouse hovering moves the shared cursor; a press (mouse, pen or finger) sets it and starts a
 * drag, released after MIN_DRAG_PX sideways it zooms to that iteration range. A cancelled pointer (the browser
 * scrolls the page for a vertical swipe) drops the drag and the cursor.
 */
function usePointerGestures(
  p: Props,
  toData: (px: number) => number,
  drag: Drag | null,
  setDrag: (d: Drag | null) => void,
) {
  const localX = (e: PointerEvent) => e.clientX - e.currentTarget.getBoundingClientRect().left;
  const iterationAt = (pixel: number) => {
    const main = p.getMain();
    const i = main ? nearestIndex(main.xs, toData(Math.min(p.area.width, Math.max(0, pixel)))) : -1;
    return i < 0 ? undefined : main?.iterations[i];
  };
  return {
    onPointerDown(e: PointerEvent) {
      if (e.button !== 0) return;
      const x = localX(e);
      e.currentTarget.setPointerCapture(e.pointerId);
      setDrag({ a: x, b: x, pointer: e.pointerId });
      p.cursor.set(iterationAt(x) ?? null);
    },
    onPointerMove(e: PointerEvent) {
      const x = localX(e);
      if (drag && drag.pointer === e.pointerId) setDrag({ ...drag, b: x });
      else if (e.pointerType !== 'mouse') return; // a finger reads out where it touches down or drags
      p.cursor.set(iterationAt(x) ?? null);
    },
    onPointerUp() {
      if (drag && Math.abs(drag.b - drag.a) >= MIN_DRAG_PX) {
        const a = iterationAt(drag.a);
        const b = iterationAt(drag.b);
        if (a !== undefined && b !== undefined && a !== b) p.onZoom(Math.min(a, b), Math.max(a, b));
      }
      setDrag(null);
    },
    onPointerCancel() {
      setDrag(null);
      p.cursor.set(null);
    },
    onPointerLeave(e: PointerEvent) {
      if (e.pointerType === 'mouse' && !drag) p.cursor.set(null);
    },
  };
}

/** What the keyboard read-out announces for point `i`. */
function readoutText(p: Props, main: PlotSeries, i: number): string {
  const smoothed = p.smoothing > 0 ? `, smoothed ${formatValue(main.smooth[i] as number)}` : '';
  return `${p.title} at iteration ${main.iterations[i]}: ${formatValue(main.values[i] as number)}${smoothed}`;
}

function Readout(p: Props & { px: (x: number) => number; iteration: number }) {
  const main = p.getMain();
  const i = main ? cursorIndex(main.iterations, p.iteration) : -1;
  if (!main || i < 0) return null;
  const x = main.xs[i] as number;
  const left = p.px(x);
  const near = (ox: number | undefined) => ox !== undefined && Math.abs(p.px(ox) - left) <= READOUT_REACH_PX;
  const nearOverlays = p.overlays.flatMap((o) => {
    const j = nearestIndex(o.series.xs, x);
    return j >= 0 && near(o.series.xs[j])
      ? [{ name: o.name, color: o.color, dash: o.dash, value: o.series.values[j] as number }]
      : [];
  });
  const nearMarks = p.marks.filter((m) => near(m.x));
  const shown = nearOverlays.slice(0, MAX_READOUT_OVERLAYS);
  const onRight = left < p.area.width * 0.5;
  return (
    <>
      <div className="cursor" style={{ left }} />
      <div
        className="readout"
        data-testid="readout"
        style={onRight ? { left: left + 10 } : { right: p.area.width - left + 10 }}
      >
        <div className="muted">
          iteration {main.iterations[i]}
          {p.xLabel && ` · ${p.xLabel} ${p.formatX(x)}`}
        </div>
        <div>
          {p.smoothing > 0 ? 'raw ' : ''}
          <b>{formatValue(main.values[i] as number)}</b>
        </div>
        {p.smoothing > 0 && (
          <div>
            smoothed <b>{formatValue(main.smooth[i] as number)}</b>
          </div>
        )}
        {shown.map((o) => (
          <div key={o.name}>
            <LineSwatch color={o.color} dash={o.dash} /> {o.name} <b>{formatValue(o.value)}</b>
          </div>
        ))}
        {nearOverlays.length > shown.length && <div className="muted">+{nearOverlays.length - shown.length} more</div>}
        {nearMarks.slice(0, 3).map((m, k) => (
          <div key={k}>
            <span style={{ color: MARK_STYLES[m.kind].color }} aria-hidden="true">
              {MARK_STYLES[m.kind].glyph}
            </span>{' '}
            {m.label}
          </div>
        ))}
      </div>
    </>
  );
}
