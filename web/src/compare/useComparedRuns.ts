// The runs compared with this one (view.compare, from the URL): each one's chart series and axis anchors, read
// with TanStack Query and turned into one compare overlay per chart (the Overlay contract of MetricChart), each
// mapped to this chart's x axis through that run's own anchors (by iteration, tokens or elapsed time).
import { useMemo } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import type { AxisAnchor } from '@trainboard/shared/dashboard/axis';
import type { ViewState } from '@trainboard/shared/dashboard/viewState';
import { api } from '../api.js';
import { CHART_FIELDS } from '../chartFields.js';
import { queryKeys, SIDE_INTERVAL_MS } from '../data/runQueries.js';
import { compareOverlays, type CompareOverlays } from './compareOverlays.js';

/** A compared run may be live: its lines are re-read this often (the server answers them from its series cache). */
export const COMPARE_INTERVAL_MS = 10_000;

/** The runs this page can compare with, newest first (names for the picker and the legend). */
export function useRunNames(): { id: number; name: string }[] {
  const summaries = useQuery({
    queryKey: queryKeys.summaries(),
    queryFn: async () => ({ runs: await api.summaries(), now: Date.now() }),
    refetchInterval: 30_000,
  });
  return useMemo(() => (summaries.data?.runs ?? []).map((r) => ({ id: r.id, name: r.name })), [summaries.data]);
}

/** The compare overlays by chart id, for LiveCharts; empty until the compared runs' series arrive. */
export function useComparedRuns(
  runId: number,
  view: Pick<ViewState, 'compare' | 'x' | 'from' | 'to'>,
  ownAnchors: readonly AxisAnchor[],
  names: readonly { id: number; name: string }[],
): CompareOverlays {
  const ids = view.compare.filter((id) => id !== runId);
  // By iteration the server downsamples the zoomed range itself; on the other axes the range is filtered here.
  const range = view.x === 'iteration' ? { from: view.from, to: view.to } : { from: null, to: null };
  const series = useQueries({
    queries: ids.map((id) => ({
      queryKey: [...queryKeys.run(id), 'compare-series', range.from, range.to] as const,
      queryFn: () => api.series(id, CHART_FIELDS, range.from, range.to),
      refetchInterval: COMPARE_INTERVAL_MS,
    })),
  });
  const axes = useQueries({
    queries: ids.map((id) => ({
      queryKey: queryKeys.axis(id),
      queryFn: () => api.axis(id),
      refetchInterval: SIDE_INTERVAL_MS,
      enabled: view.x !== 'iteration',
    })),
  });
  const loaded = series.map((q) => q.data);
  const anchors = axes.map((q) => q.data);
  // A new answer of any compared run (or its anchors) changes this stamp: the overlays are rebuilt then, not per render.
  const stamp = `${ids.join(',')}|${series.map((q) => q.dataUpdatedAt).join(',')}|${axes.map((q) => q.dataUpdatedAt).join(',')}`;
  return useMemo(
    () =>
      compareOverlays(
        ids.map((id, k) => ({ id, data: loaded[k], anchors: anchors[k] })),
        CHART_FIELDS,
        view,
        ownAnchors,
        names,
      ),
    [view.x, view.from, view.to, ownAnchors, names, stamp], // loaded and anchors are what the stamp says
  );
}
