// The ids of a run page's charts, as the URL's `charts=` list spells them: the metric fields, and one validation
// chart per group (`val_` + the group name with anything but letters, digits and _ made _, as the URL allows).
import type { MetricField } from '@trainboard/shared/metrics/fields';
import { CHART_FIELDS } from '../chartFields.js';

/** Up to this many validation groups get a chart by default; a run with more (BLOOM: 29) picks them. */
export const DEFAULT_VALIDATION_CHARTS = 6;

export function validationChartId(group: string): string {
  return `val_${group.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 41);
}

export interface ChartChoice {
  id: string;
  title: string;
}

/** The charts on offer, in display order: the metrics present, then a validation chart per group. */
export function chartChoices(
  present: readonly MetricField[],
  groups: readonly string[],
  titles: Record<string, string>,
): ChartChoice[] {
  return [
    ...CHART_FIELDS.filter((f) => present.includes(f)).map((f) => ({ id: f as string, title: titles[f] ?? f })),
    ...groups.map((g) => ({ id: validationChartId(g), title: `validation loss: ${g}` })),
  ];
}

/** The ids shown: the URL's list, or by default every metric and the validation charts of a run with few groups. */
export function shownChartIds(choices: readonly ChartChoice[], fromUrl: readonly string[] | null): Set<string> {
  if (fromUrl !== null) return new Set(fromUrl);
  const validation = choices.filter((c) => c.id.startsWith('val_'));
  return new Set(
    choices.filter((c) => !c.id.startsWith('val_') || validation.length <= DEFAULT_VALIDATION_CHARTS).map((c) => c.id),
  );
}

/** The URL's list after toggling one chart: null when that is the default again (a clean URL). */
export function toggleChart(
  choices: readonly ChartChoice[],
  fromUrl: readonly string[] | null,
  id: string,
  on: boolean,
): string[] | null {
  const shown = shownChartIds(choices, fromUrl);
  if (on) shown.add(id);
  else shown.delete(id);
  const next = choices.map((c) => c.id).filter((c) => shown.has(c));
  const byDefault = [...shownChartIds(choices, null)];
  return next.length === byDefault.length && next.every((c, i) => c === byDefault[i]) ? null : next;
}
