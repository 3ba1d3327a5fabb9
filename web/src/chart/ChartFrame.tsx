// The frame of a chart, drawn by recharts: axes, ticks, grid and the run's annotations as vertical lines, from
// explicit domains and ticks and no data of its own. The points are drawn on a canvas over the plot area
// (PlotLayer): thousands of SVG path points re-laid out by recharts cost ~30 ms per chart per update, while this
// frame only re-renders when a domain or the annotations change, which live points rarely do. Every tick is shown
// (interval 0): there are few, and recharts would otherwise measure each label's text to thin them out.
import { memo, useLayoutEffect } from 'react';
import { CartesianGrid, LineChart, ReferenceLine, ResponsiveContainer, XAxis, YAxis, usePlotArea } from 'recharts';
import type { AxisFrame } from '@trainboard/shared/dashboard/chartScale';
import { formatValue } from '@trainboard/shared/dashboard/format';
import type { Annotation } from '../api.js';

export const CHART_HEIGHT = 220;
export const ANNOTATION_COLORS: Record<Annotation['kind'], string> = {
  start: '#22c55e',
  restart: '#f97316',
  checkpoint: '#64748b',
  end: '#a3a3a3',
  failure: '#ef4444',
  eval: '#8b5cf6',
};

export interface PlotArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An annotation placed on the x axis. */
export interface Mark {
  kind: Annotation['kind'];
  label: string;
  x: number;
}

interface Props {
  x: AxisFrame;
  y: AxisFrame;
  log: boolean;
  formatX: (x: number) => string;
  marks: Mark[];
  onPlotArea: (area: PlotArea) => void;
}

const MARGIN = { top: 8, right: 16, bottom: 0, left: 0 };

function ChartFrameInner({ x, y, log, formatX, marks, onPlotArea }: Props) {
  return (
    <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
      {/* Two rows at the domain's corners: recharts lays axes out only for a chart with data. */}
      <LineChart
        data={[
          { x: x.domain[0], y: y.domain[0] },
          { x: x.domain[1], y: y.domain[1] },
        ]}
        margin={MARGIN}
      >
        <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
        <XAxis
          dataKey="x"
          type="number"
          domain={x.domain}
          ticks={x.ticks}
          interval={0}
          allowDataOverflow
          tickFormatter={formatX}
          stroke="var(--muted)"
          fontSize={11}
        />
        <YAxis
          dataKey="y"
          type="number"
          scale={log ? 'log' : 'linear'}
          domain={y.domain}
          ticks={y.ticks}
          interval={0}
          allowDataOverflow
          tickFormatter={(v: number) => formatValue(v)}
          stroke="var(--muted)"
          fontSize={11}
          width={64}
        />
        {marks.map((a, i) => (
          <ReferenceLine
            key={`${a.kind}-${i}`}
            x={a.x}
            stroke={ANNOTATION_COLORS[a.kind]}
            strokeOpacity={a.kind === 'checkpoint' || a.kind === 'eval' ? 0.35 : 0.9}
            strokeDasharray={a.kind === 'eval' ? '2 3' : undefined}
            ifOverflow="hidden"
            label={
              a.kind === 'restart' || a.kind === 'failure'
                ? {
                    value: a.label,
                    fill: ANNOTATION_COLORS[a.kind],
                    fontSize: 10,
                    position: a.kind === 'failure' ? 'insideTopRight' : 'insideBottomLeft',
                  }
                : undefined
            }
          />
        ))}
        <PlotAreaProbe onPlotArea={onPlotArea} />
      </LineChart>
    </ResponsiveContainer>
  );
}

/** Reports recharts' plot area (inside the axes and margins) so the canvas can be laid exactly over it. */
function PlotAreaProbe({ onPlotArea }: { onPlotArea: (area: PlotArea) => void }) {
  const area = usePlotArea();
  const { x = 0, y = 0, width = 0, height = 0 } = area ?? {};
  useLayoutEffect(() => {
    if (width > 0 && height > 0) onPlotArea({ x, y, width, height });
  }, [x, y, width, height, onPlotArea]);
  return null;
}

export const ChartFrame = memo(ChartFrameInner);
