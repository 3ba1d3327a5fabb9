// The run page's live charts. The series live in a store (liveSeries.ts), not in React state: a live update repaints
// each chart's canvas in one animation frame and renders nothing here. This list re-renders only when the set of
// series, the view, the marks or the validations change. One cursor is shared by every chart.
import { memo, useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { axisMapper, type AxisAnchor } from '@trainboard/shared/dashboard/axis';
import type { ViewState } from '@trainboard/shared/dashboard/viewState';
import type { MetricField } from '@trainboard/shared/metrics/fields';
import { useLiveSeries, type SeriesSource } from '../liveSeries.js';
import { MetricChart, type Overlay } from '../MetricChart.js';
import { useProgressiveCount } from '../useProgressiveCount.js';
import { chartChoices, shownChartIds, toggleChart, validationChartId } from './chartIds.js';
import { ChartPicker } from './ChartPicker.js';
import { createCursorStore, type CursorStore } from './cursor.js';
import { MarkLegend } from './MarkLegend.js';
import type { ChartAnnotation } from './markStyle.js';
import './charts.css';

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
const NO_OVERLAYS: readonly Overlay[] = [];

interface Props {
  runId: number;
  view: ViewState;
  setView: (p: Partial<ViewState>) => void;
  annotations: readonly ChartAnnotation[];
  validations: Record<string, [number, number | null][]>;
  anchors: AxisAnchor[];
  /** Other runs drawn over these charts (compare), by chart id. */
  compare?: Partial<Record<string, readonly Overlay[]>>;
  /** Whether the socket is subscribed (the header shows it). */
  onLive: (live: boolean) => void;
}

function LiveChartsInner({ runId, view, setView, annotations, validations, anchors, compare, onLive }: Props) {
  const { store, live, error } = useLiveSeries(runId, view.from, view.to);
  useEffect(() => onLive(live), [live, onLive]);
  const present = useSyncExternalStore(store.subscribePresent, store.present);
  const [cursor] = useState(createCursorStore);
  useClearCursorOutside(cursor);
  // The anchors grow with the run; on the iteration axis they are not needed, and a new toX would redo every chart.
  const axisAnchors = view.x === 'iteration' ? null : anchors;
  const toX = useMemo(
    () => (axisAnchors === null ? (it: number) => it : axisMapper(axisAnchors, view.x === 'tokens' ? 1 : 2)),
    [view.x, axisAnchors],
  );
  const groups = useValidationGroups(validations, view.from, view.to);
  const choices = useMemo(
    () =>
      chartChoices(
        present,
        groups.map((g) => g.name),
        TITLES,
      ),
    [present, groups],
  );
  const shown = useMemo(() => shownChartIds(choices, view.charts), [choices, view.charts]);
  const visible = choices.filter((c) => shown.has(c.id));
  const mounted = useProgressiveCount(visible.length, present.length > 0);
  const onZoom = useCallback((from: number, to: number) => setView({ from, to }), [setView]);
  const onToggle = useCallback(
    (id: string, on: boolean) => setView({ charts: toggleChart(choices, view.charts, id, on) }),
    [setView, choices, view.charts],
  );
  const lossOverlays = useMemo(
    () => [...groups.map((g) => g.overlay), ...(compare?.lmLoss ?? NO_OVERLAYS)],
    [groups, compare],
  );
  const common = { annotations, smoothing: view.smoothing, log: view.log, xKind: view.x, toX, cursor, onZoom };

  return (
    <>
      {error && <p className="error">{error}</p>}
      <div className="chart-tools">
        <ChartPicker choices={choices} shown={shown} onToggle={onToggle} />
        <MarkLegend annotations={annotations} />
      </div>
      <div className="charts">
        {visible.slice(0, mounted).map((c) => {
          const group = groups.find((g) => g.id === c.id);
          return (
            <MetricChart
              key={c.id}
              id={c.id}
              title={c.title}
              source={group ? group.source : store.source(c.id as MetricField)}
              overlays={c.id === 'lmLoss' ? lossOverlays : (compare?.[c.id] ?? NO_OVERLAYS)}
              {...(c.id === 'iterationTimeMs' ? { scaleY: seconds } : {})}
              {...common}
              {...(group ? { smoothing: 0, dots: true } : {})}
            />
          );
        })}
      </div>
    </>
  );
}

/** A finger has no "leave": a tap anywhere but on a chart's plot clears the read-outs it left. */
function useClearCursorOutside(cursor: CursorStore): void {
  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      if (!(e.target instanceof Element && e.target.closest('.plot-layer'))) cursor.set(null);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [cursor]);
}

interface ValidationGroup {
  id: string;
  name: string;
  overlay: Overlay;
  /** The group as a chart's own series. */
  source: SeriesSource;
}

/** Each validation group in the viewed range, as an overlay of the loss chart and as a chart of its own. */
function useValidationGroups(
  validations: Record<string, [number, number | null][]>,
  from: number | null,
  to: number | null,
): ValidationGroup[] {
  return useMemo(
    () =>
      Object.entries(validations).map(([name, pts]) => {
        const points = pts.filter(([it]) => (from === null || it >= from) && (to === null || it <= to));
        const series = { points, sampled: false };
        return {
          id: validationChartId(name),
          name,
          overlay: { name, kind: 'validation' as const, points },
          source: { get: () => series, subscribe: () => () => undefined },
        };
      }),
    [validations, from, to],
  );
}

export const LiveCharts = memo(LiveChartsInner);
