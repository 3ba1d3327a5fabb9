// The loss curve as an SVG string: the downsampled train curve as a line, validation results as dots, with a few
// axis ticks. One renderer for the page (inline), the PNG (server-side rasterised) and the widget's sparkline.
// Colours are presentation attributes (standalone SVG and PNG need them); the page's CSS overrides them by class
// for dark mode. No style attributes: the page's CSP has no 'unsafe-inline'.
import type { PublicSnapshot } from '../snapshot.js';
import { esc, num } from './escape.js';
import { formatCount, formatValue } from './words.js';

export const CHART_FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

export interface LossChartOptions {
  width: number;
  height: number;
  /** A heading drawn above the plot (the PNG's title); none in the page, which has its own <h2>. */
  heading?: string | null;
  /** A second line under the heading. */
  subheading?: string | null;
  /** At most this many train points are drawn (min and max of each bucket, so spikes stay visible). */
  maxPoints?: number;
  background?: string | null;
  /** Tick label size in px (12 in the page; larger in the PNG, which is seen scaled down). */
  fontSize?: number;
}

type Pair = readonly [number, number];

/** Keeps at most ~maxPoints points: per bucket of iterations, its lowest and its highest value, in order. */
export function downsample(points: readonly Pair[], maxPoints: number): Pair[] {
  if (points.length <= maxPoints) return [...points];
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = points.length / buckets;
  const out: Pair[] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (slice.length === 0) continue;
    let lo = slice[0]!;
    let hi = slice[0]!;
    for (const p of slice) {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
    if (lo === hi) out.push(lo);
    else out.push(...(lo[0] < hi[0] ? [lo, hi] : [hi, lo]));
  }
  return out;
}

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about `count` of them. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

interface Frame {
  font: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  xLo: number;
  xHi: number;
  yLo: number;
  yHi: number;
}

const sx = (f: Frame, x: number) => f.x0 + ((x - f.xLo) / (f.xHi - f.xLo || 1)) * (f.x1 - f.x0);
const sy = (f: Frame, y: number) => f.y1 - ((y - f.yLo) / (f.yHi - f.yLo || 1)) * (f.y1 - f.y0);

function frameOf(train: readonly Pair[], validation: readonly Pair[], o: LossChartOptions): Frame {
  const all = [...train, ...validation];
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const yMin = Math.min(...ys);
  const yMax = Math.max(...ys);
  const pad = (yMax - yMin) * 0.05 || Math.abs(yMax) * 0.05 || 1;
  const top = (o.heading ? 56 : 0) + (o.subheading ? 28 : 0) + 14;
  const font = o.fontSize ?? 12;
  return {
    font,
    x0: Math.round(font * 4.4),
    x1: o.width - 16,
    y0: top,
    y1: o.height - Math.round(font * 2.5),
    xLo: Math.min(0, ...xs),
    xHi: Math.max(...xs, 1),
    yLo: yMin - pad,
    yHi: yMax + pad,
  };
}

function axes(f: Frame): string {
  const yTicks = niceTicks(f.yLo, f.yHi, 5).filter((t) => t >= f.yLo && t <= f.yHi);
  const xTicks = niceTicks(f.xLo, f.xHi, 5).filter((t) => t >= f.xLo && t <= f.xHi);
  const grid = yTicks
    .map((t) => {
      const y = num(sy(f, t));
      return (
        `<line class="grid" x1="${f.x0}" x2="${f.x1}" y1="${y}" y2="${y}" stroke="#d0d7de" stroke-width="1"/>` +
        `<text class="tick" x="${f.x0 - 6}" y="${y}" dy="${num(f.font / 3)}" text-anchor="end" ` +
        `font-size="${f.font}" fill="#57606a">` +
        `${esc(formatValue(t))}</text>`
      );
    })
    .join('');
  const xs = xTicks
    .map(
      (t) =>
        `<text class="tick" x="${num(sx(f, t))}" y="${num(f.y1 + f.font * 1.5)}" text-anchor="middle" font-size="${f.font}" ` +
        `fill="#57606a">${esc(formatCount(t))}</text>`,
    )
    .join('');
  const axis = `<line class="axis" x1="${f.x0}" x2="${f.x1}" y1="${f.y1}" y2="${f.y1}" stroke="#8c959f"/>`;
  return grid + xs + axis;
}

function headings(o: LossChartOptions): string {
  let out = '';
  if (o.heading) out += `<text x="24" y="48" font-size="34" font-weight="bold" fill="#1f2328">${esc(o.heading)}</text>`;
  if (o.subheading)
    out += `<text x="24" y="${o.heading ? 82 : 30}" font-size="22" fill="#57606a">${esc(o.subheading)}</text>`;
  return out;
}

/** The loss chart of a snapshot as a standalone SVG document (also valid inline in HTML). */
export function renderLossChart(s: PublicSnapshot, o: LossChartOptions): string {
  const train = downsample(s.loss.train, o.maxPoints ?? 300);
  const validation = s.loss.validation;
  const label = `Loss curve of ${s.title}`;
  const open =
    `<svg xmlns="http://www.w3.org/2000/svg" class="loss-chart" viewBox="0 0 ${o.width} ${o.height}" ` +
    `width="${o.width}" height="${o.height}" role="img" aria-label="${esc(label)}" font-family="${CHART_FONT}">` +
    (o.background ? `<rect width="100%" height="100%" fill="${esc(o.background)}"/>` : '') +
    headings(o);
  if (train.length + validation.length === 0)
    return (
      `${open}<text class="tick" x="${o.width / 2}" y="${o.height / 2}" text-anchor="middle" font-size="16" ` +
      `fill="#57606a">No loss reported yet</text></svg>`
    );
  const f = frameOf(train, validation, o);
  const path = train.map((p, i) => `${i ? 'L' : 'M'}${num(sx(f, p[0]))} ${num(sy(f, p[1]))}`).join('');
  const dots = validation
    .map((p) => `<circle class="val" cx="${num(sx(f, p[0]))}" cy="${num(sy(f, p[1]))}" r="4" fill="#cf222e"/>`)
    .join('');
  const line = path
    ? `<path class="train" d="${path}" fill="none" stroke="#0969da" stroke-width="2" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>`
    : '';
  return `${open}${axes(f)}${line}${dots}</svg>`;
}

/** A tiny line of the train loss (no axes): the widget's sparkline, placed at (x, y) with the given size. */
export function sparklinePath(points: readonly Pair[], x: number, y: number, w: number, h: number): string {
  const pts = downsample(points, 120);
  if (pts.length === 0) return '';
  const ys = pts.map((p) => p[1]);
  const f: Frame = {
    font: 0,
    x0: x,
    x1: x + w,
    y0: y,
    y1: y + h,
    xLo: pts[0]![0],
    xHi: pts.at(-1)![0],
    yLo: Math.min(...ys),
    yHi: Math.max(...ys),
  };
  return pts.map((p, i) => `${i ? 'L' : 'M'}${num(sx(f, p[0]))} ${num(sy(f, p[1]))}`).join('');
}
