// The frame of a chart, drawn as a small SVG of its own: grid, tick labels and the run's marks (vertical lines with
// a glyph and, for the rare kinds, their label beside the line), from explicit domains and ticks. The points are on
// a canvas over the plot area; this frame re-renders only when a domain, the width or the marks change, which live
// points rarely do. (It replaced a recharts frame: laying out a chart library's axes was most of a live update.)
import { memo } from 'react';
import { pixelScale, type AxisFrame } from '@trainboard/shared/dashboard/chartScale';
import { formatValue } from '@trainboard/shared/dashboard/format';
import { layoutMarkLabels } from './markLabels.js';
import { MARK_STYLES, type MarkKind } from './markStyle.js';

export const CHART_HEIGHT = 220;

export interface PlotArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An annotation placed on the x axis. */
export interface Mark {
  kind: MarkKind;
  label: string;
  x: number;
}

const MARGIN = { top: 8, right: 12, bottom: 22, left: 58 };
const FONT_PX = 11;
/** An average character's width at FONT_PX, for laying labels out without measuring text. */
const CHAR_PX = 6.2;
const LABEL_LANES = 2;
/** Labels start below the glyph row. */
const LABEL_TOP = 22;
const LANE_PX = 13;

/** The plot's area inside a chart `width` px wide. */
export function plotAreaFor(width: number): PlotArea {
  return {
    x: MARGIN.left,
    y: MARGIN.top,
    width: Math.max(0, width - MARGIN.left - MARGIN.right),
    height: CHART_HEIGHT - MARGIN.top - MARGIN.bottom,
  };
}

interface Props {
  width: number;
  x: AxisFrame;
  y: AxisFrame;
  log: boolean;
  formatX: (x: number) => string;
  /** A longer format for x ticks that `formatX` would print alike (100k, 100k…); none for time. */
  formatXExact?: (x: number) => string;
  marks: readonly Mark[];
}

function ChartFrameInner({ width, x, y, log, formatX, formatXExact, marks }: Props) {
  const area = plotAreaFor(width);
  const px = pixelScale('linear', x.domain, [0, area.width]);
  const py = pixelScale(log ? 'log' : 'linear', y.domain, [area.height, 0]);
  const short = x.ticks.map(formatX);
  const exact = formatXExact && new Set(short).size < short.length ? x.ticks.map(formatXExact) : short;
  const xTicks = thinTicks(x.ticks.map((t, i) => ({ at: px(t), text: exact[i] as string })));
  const placedMarks = marks.map((m) => ({ ...m, at: px(m.x) }));
  const labelled = placedMarks.filter((m) => MARK_STYLES[m.kind].labelled);
  const labels = layoutMarkLabels(
    labelled.map((m) => ({ x: m.at, text: m.label })),
    { width: area.width, charWidth: CHAR_PX, gap: 4, lanes: LABEL_LANES },
  ).map((p) => ({ ...p, kind: (labelled[p.index] as Mark).kind }));

  return (
    <svg className="chart-frame" width={width} height={CHART_HEIGHT} aria-hidden="true" fontSize={FONT_PX}>
      <g transform={`translate(${area.x},${area.y})`}>
        {y.ticks.map((t) => (
          <g key={`y${t}`} className="y-tick">
            <line x1={0} x2={area.width} y1={py(t)} y2={py(t)} className="grid" />
            <text x={-6} y={py(t)} dy="0.32em" textAnchor="end">
              {formatValue(t)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <g key={`x${t.at}`} className="x-tick">
            <line x1={t.at} x2={t.at} y1={0} y2={area.height} className="grid" />
            <text x={t.at} y={area.height + 15} textAnchor="middle">
              {t.text}
            </text>
          </g>
        ))}
        <rect width={area.width} height={area.height} className="plot-border" />
        {placedMarks.map((m, i) => {
          const s = MARK_STYLES[m.kind];
          return (
            <g key={`${m.kind}${i}`} className={`mark mark-${m.kind}`} stroke="currentColor" style={{ color: s.color }}>
              <line
                x1={m.at}
                x2={m.at}
                y1={0}
                y2={area.height}
                strokeDasharray={s.dash || undefined}
                strokeWidth={s.width}
                strokeOpacity={s.opacity}
              />
              <text x={m.at} y={10} textAnchor="middle" stroke="none" fontSize={10}>
                {s.glyph}
              </text>
            </g>
          );
        })}
        {labels.map((l) => (
          <text
            key={`l${l.index}`}
            className="mark-label"
            x={l.x}
            y={LABEL_TOP + l.lane * LANE_PX}
            textAnchor={l.side === 'right' ? 'start' : 'end'}
            style={{ color: MARK_STYLES[l.kind].color }}
          >
            {l.text}
          </text>
        ))}
      </g>
    </svg>
  );
}

/** Every k-th x tick, so their labels keep a gap on a narrow (phone) chart. */
function thinTicks<T extends { at: number; text: string }>(ticks: T[]): T[] {
  if (ticks.length < 2) return ticks;
  const widest = Math.max(...ticks.map((t) => t.text.length)) * CHAR_PX + 10;
  const spacing = Math.abs((ticks[1] as T).at - (ticks[0] as T).at);
  const every = Math.max(1, Math.ceil(widest / Math.max(spacing, 1)));
  return ticks.filter((_, i) => i % every === 0);
}

export const ChartFrame = memo(ChartFrameInner);
