// The compared runs' series as chart overlays: one dashed `compare` overlay per run on each chart, mapped to this
// chart's x axis through that run's own anchors, and kept to this run's zoom window. Pure (the hook reads the data).
import { axisMapper, type AxisAnchor } from '@trainboard/shared/dashboard/axis';
import { compareToX, insideWindow, type ToX } from '@trainboard/shared/dashboard/compareAxis';
import type { ViewState } from '@trainboard/shared/dashboard/viewState';
import { fromWireNumber } from '@trainboard/shared/metrics/fields';
import type { SeriesResponse } from '../api.js';
import type { Overlay } from '../MetricChart.js';

export type CompareOverlays = Partial<Record<string, readonly Overlay[]>>;

export interface ComparedRun {
  id: number;
  /** Its series (undefined until read: the run is left out until then). */
  data: SeriesResponse | undefined;
  /** Its axis anchors (only read off the iteration axis). */
  anchors: readonly AxisAnchor[] | undefined;
}

/** How a compared run is named in the picker, the legend and the read-out. */
export function runLabel(id: number, names: readonly { id: number; name: string }[]): string {
  const name = names.find((r) => r.id === id)?.name;
  return name ? `run ${id} · ${name}` : `run ${id}`;
}

export function compareOverlays(
  runs: readonly ComparedRun[],
  fields: readonly string[],
  view: Pick<ViewState, 'x' | 'from' | 'to'>,
  ownAnchors: readonly AxisAnchor[],
  names: readonly { id: number; name: string }[],
): CompareOverlays {
  const ownToX: ToX = view.x === 'iteration' ? (it) => it : axisMapper(ownAnchors, view.x === 'tokens' ? 1 : 2);
  const ready = runs.flatMap(({ id, data, anchors }) =>
    data ? [{ label: runLabel(id, names), data, toX: compareToX(view.x, ownAnchors, anchors ?? []) }] : [],
  );
  const byChart: CompareOverlays = {};
  for (const field of fields) {
    byChart[field] = ready.map(({ label, data, toX }) => overlayOf(label, data, field, view, ownToX, toX));
  }
  return byChart;
}

function overlayOf(
  name: string,
  data: SeriesResponse,
  field: string,
  window: Pick<ViewState, 'from' | 'to'>,
  ownToX: ToX,
  toX: ToX | undefined,
): Overlay {
  const points = (data.series[field]?.points ?? []).map(([it, v]) => [it, fromWireNumber(v)] as const);
  return {
    name,
    kind: 'compare',
    points: toX ? insideWindow(points, window, ownToX, toX) : points,
    ...(toX ? { toX } : {}),
  };
}
