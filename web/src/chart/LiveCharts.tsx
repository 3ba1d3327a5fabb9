// The run page's live charts. The series state lives here, not in the page: a live update (every 300 ms at most)
// re-renders these charts only, not the header, the jobs timeline or the log viewer beside them.
import { memo, useCallback, useEffect, useMemo } from 'react';
import { axisMapper, type AxisAnchor } from '@trainboard/shared/dashboard/axis';
import type { ViewState } from '@trainboard/shared/dashboard/viewState';
import type { MetricField } from '@trainboard/shared/metrics/fields';
import type { Annotation } from '../api.js';
import { CHART_FIELDS } from '../chartFields.js';
import { useLiveSeries, type Point } from '../liveSeries.js';
import { MetricChart, type Overlay } from '../MetricChart.js';
import { useProgressiveCount } from '../useProgressiveCount.js';

const TITLES: Record<string, string> = {
  lmLoss: 'training loss',
  learningRate: 'learning rate',
  gradNorm: 'grad norm',
  lossScale: 'loss scale (fp16)',
  samplesPerSecond: 'samples/s',
  tflops: 'TFLOPs per GPU',
  iterationTimeMs: 'seconds per iteration',
};
const seconds = (ms: number) => ms / 1000;
const NO_POINTS: Point[] = [];

interface Props {
  runId: number;
  view: ViewState;
  setView: (p: Partial<ViewState>) => void;
  annotations: Annotation[];
  validations: Record<string, [number, number | null][]>;
  anchors: AxisAnchor[];
  /** Whether the socket is subscribed (the header shows it). */
  onLive: (live: boolean) => void;
}

function LiveChartsInner({ runId, view, setView, annotations, validations, anchors, onLive }: Props) {
  const { series, live, error } = useLiveSeries(runId, view.from, view.to);
  useEffect(() => onLive(live), [live, onLive]);
  const mounted = useProgressiveCount(CHART_FIELDS.length, Object.keys(series).length > 0);
  // The anchors grow with the run; on the iteration axis they are not needed, and a new toX would redo every chart.
  const axisAnchors = view.x === 'iteration' ? null : anchors;
  const toX = useMemo(
    () => (axisAnchors === null ? (it: number) => it : axisMapper(axisAnchors, view.x === 'tokens' ? 1 : 2)),
    [view.x, axisAnchors],
  );
  const overlays: Overlay[] = useMemo(
    () =>
      Object.entries(validations).map(([name, pts]) => ({
        name,
        kind: 'validation' as const,
        points: pts.filter(([it]) => (view.from === null || it >= view.from) && (view.to === null || it <= view.to)),
      })),
    [validations, view.from, view.to],
  );
  const shown = (view.charts ?? CHART_FIELDS).filter((f): f is MetricField => (CHART_FIELDS as string[]).includes(f));
  const onZoom = useCallback((from: number, to: number) => setView({ from, to }), [setView]);

  return (
    <>
      {error && <p className="error">{error}</p>}
      <div className="charts">
        {shown.slice(0, mounted).map((f) => {
          const s = series[f];
          if (f === 'lossScale' && !s?.points.length) return null; // only fp16 runs log a loss scale
          return (
            <MetricChart
              key={f}
              id={f}
              title={TITLES[f] ?? f}
              points={s?.points ?? NO_POINTS}
              sampled={s?.sampled ?? false}
              {...(f === 'lmLoss' ? { overlays } : {})}
              {...(f === 'iterationTimeMs' ? { scaleY: seconds } : {})}
              annotations={annotations}
              smoothing={view.smoothing}
              log={view.log}
              xKind={view.x}
              toX={toX}
              onZoom={onZoom}
            />
          );
        })}
      </div>
    </>
  );
}

export const LiveCharts = memo(LiveChartsInner);
