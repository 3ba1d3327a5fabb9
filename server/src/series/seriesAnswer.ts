// The body of a /series answer: each field's points over [from, to] downsampled with min/max buckets
// (minMaxIndices), the count of current rows there, and the seq of the snapshot they come from. Built once per seq
// and query when the source remembers answers (the series cache), so the viewers of a run that did not move share it.
import { minMaxIndices } from '@trainboard/shared/metrics/downsample';
import { toWireNumber, type MetricField, type WireNumber } from '@trainboard/shared/metrics/fields';
import type { SeriesColumns } from '../db/iterations.repo.js';
import type { SeriesSnapshot, SeriesSource } from './seriesSource.js';

export interface SeriesAnswer {
  runId: number;
  seq: number;
  from: number | null;
  to: number | null;
  series: Record<string, { points: [number, WireNumber][]; sampled: boolean; count: number }>;
}

export type SeriesQuery = { from?: number | undefined; to?: number | undefined; target: number };

/** The JSON body for one request: built once per seq and query when the source remembers answers. */
export async function seriesBody(
  source: SeriesSource,
  runId: number,
  fields: readonly MetricField[],
  q: SeriesQuery,
): Promise<string> {
  const snapshot = await source.snapshot(runId, fields, q.from, q.to);
  const key = `${fields.join(',')}|${q.from ?? ''}|${q.to ?? ''}|${q.target}`;
  const known = snapshot.answers?.get(key);
  if (known !== undefined) return known;
  const body = JSON.stringify(answerOf(snapshot, runId, fields, q));
  snapshot.answers?.set(key, body);
  return body;
}

/** The answer for one request: the points and the seq come from one snapshot, so the live stream continues after it. */
export async function seriesAnswer(
  source: SeriesSource,
  runId: number,
  fields: readonly MetricField[],
  q: SeriesQuery,
): Promise<SeriesAnswer> {
  return JSON.parse(await seriesBody(source, runId, fields, q)) as SeriesAnswer;
}

function answerOf(
  { seq, columns, rowCount }: SeriesSnapshot,
  runId: number,
  fields: readonly MetricField[],
  q: SeriesQuery,
): SeriesAnswer {
  const series: SeriesAnswer['series'] = {};
  fields.forEach((field, k) => {
    const { xs, ys } = columns[k] as SeriesColumns;
    const keep = minMaxIndices(ys, q.target);
    const points: [number, WireNumber][] =
      keep === null
        ? Array.from(xs, (x, i) => [x, toWireNumber(ys[i] as number)])
        : keep.map((i) => [xs[i] as number, toWireNumber(ys[i] as number)]);
    series[field] = { points, sampled: keep !== null, count: rowCount };
  });
  return { runId, seq, from: q.from ?? null, to: q.to ?? null, series };
}
