// REST for the run page beyond the metric series: the header's overview (latest iteration, recent speed, last
// checkpoint, jobs, the run's health), the run list's summaries (with health), validation curves per group, chart
// annotations and the jobs table. Read-only queries on indexed columns (latest-row reads per run, so the runs list
// stays cheap with hundreds of runs); numbers arrive ready to draw, the browser never parses a log.
import { viewerRoutes, type RouteDef } from '../http/routeTable.js';
import type { Annotation, RunSummary } from '@trainboard/shared/api';
import { exitText, failureText } from '@trainboard/shared/dashboard/jobs';
import { runHealth } from '@trainboard/shared/dashboard/runHealth';
import { mostSpecificFailure } from '@trainboard/shared/log/classify';
import type { AnnotationEventRow } from '../db/events.repo.js';
import type { AxisAnchor } from '../db/iterations.repo.js';
import type { Repositories } from '../db/repositories.js';
import { runIdReader } from './runParam.js';
import { healthInputs, jobRows, runOverview } from './runOverview.js';

export { targetTokens } from './runOverview.js';

/** Anchors for the tokens/time axes: enough that interpolation errors stay below a pixel on a wide chart. */
const AXIS_ANCHORS = 1000;

export function runDetailsRouter(repos: Repositories): RouteDef[] {
  // Read-only views of a run: any signed-in user.
  const router = viewerRoutes();
  const runId = runIdReader(repos.runs);
  router.get('/api/run-summaries', (_req, res) => void res.json({ runs: runSummaries(repos) }));
  router.get('/api/runs/:id/overview', (req, res) => void res.json(runOverview(repos, runId(req))));
  router.get('/api/runs/:id/validations', (req, res) => void res.json({ groups: validationGroups(repos, runId(req)) }));
  router.get(
    '/api/runs/:id/annotations',
    (req, res) => void res.json({ annotations: runAnnotations(repos, runId(req)) }),
  );
  router.get('/api/runs/:id/axis', (req, res) => void res.json({ anchors: axisAnchors(repos, runId(req)) }));
  router.get('/api/runs/:id/jobs', (req, res) => void res.json({ jobs: jobRows(repos, runId(req)) }));
  return router.routes;
}

/** Every run with its latest iteration's headline figures and its health, for the run list. */
function runSummaries(repos: Repositories): RunSummary[] {
  return repos.runs.list().map((r) => {
    const row = repos.iterations.latest(r.id);
    return {
      ...r,
      iteration: row?.iteration ?? null,
      trainIters: row?.trainIters ?? null,
      lmLoss: row?.lmLoss ?? null,
      tflops: row?.tflops ?? null,
      lastUpdateMs: row?.timeMs ?? null,
      health: runHealth(healthInputs(repos, r, jobRows(repos, r.id), row)),
    };
  });
}

/** The current validation losses as [iteration, loss] pairs per validation group. */
function validationGroups({ validations }: Repositories, id: number): Record<string, [number, number | null][]> {
  const groups: Record<string, [number, number | null][]> = {};
  for (const r of validations.currentLosses(id)) (groups[r.g] ??= []).push([r.iteration, r.loss]);
  return groups;
}

/** The chart marks: starts and restarts, checkpoints, exits, one failure per incident, and evaluations. */
function runAnnotations({ iterations, events, validations }: Repositories, id: number): Annotation[] {
  const shown = oneFailurePerIncident(events.annotations(id));
  let segment = 0;
  const annotations = shown.map((e): Annotation => {
    if (e.type === 'run_start') {
      // A run_start carries no iteration: it begins where the next logged iteration is.
      segment++;
      const it = iterations.firstIterationOfSegment(id, segment);
      return {
        kind: segment === 1 ? 'start' : 'restart',
        iteration: it,
        timeMs: e.timeMs,
        label: segment === 1 ? 'job start' : `restart ${segment - 1}`,
      };
    }
    if (e.type === 'checkpoint_saved')
      return {
        kind: 'checkpoint',
        iteration: e.iteration,
        timeMs: e.timeMs,
        label: `checkpoint ${e.iteration ?? ''}`.trim(),
      };
    if (e.type === 'exit') return { kind: 'end', iteration: e.iteration, timeMs: e.timeMs, label: exitText(e.kind) };
    return {
      kind: 'failure',
      iteration: e.iteration,
      timeMs: e.timeMs,
      label: failureText(e.kind) ?? e.message ?? 'failure',
    };
  });
  for (const v of validations.evaluations(id))
    annotations.push({ kind: 'eval', iteration: v.iteration, timeMs: v.timeMs, label: `eval ${v.iteration}` });
  return annotations;
}

/**
 * One mark per incident: the reports of one crash (the CUDA error, srun's task exit) share the last iteration
 * logged, and the most specific names it. Shutdown noise after a clean exit is no failure (the exit is marked).
 */
function oneFailurePerIncident(rows: AnnotationEventRow[]): AnnotationEventRow[] {
  const failuresAt = new Map<number | null, AnnotationEventRow[]>();
  for (const e of rows)
    if (e.type === 'failure' && e.noise !== 1) failuresAt.set(e.iteration, [...(failuresAt.get(e.iteration) ?? []), e]);
  const shownFailures = new Set([...failuresAt.values()].map((group) => mostSpecificFailure(group)));
  return rows.filter((e) => e.type !== 'failure' || shownFailures.has(e));
}

/** Sparse (iteration, tokens, time) anchors for the tokens and wall-time x axes: the client interpolates. */
function axisAnchors({ iterations }: Repositories, id: number): [number, number | null, number | null][] {
  // Anchors at evenly spaced iteration numbers, each one index seek: a window over every row of a 115k-iteration
  // run took ~120 ms of the page's first load, this takes a few.
  const bounds = iterations.currentBounds(id);
  const rows: AxisAnchor[] = [];
  if (bounds.lo !== null && bounds.hi !== null) {
    const step = Math.max(1, (bounds.hi - bounds.lo) / (AXIS_ANCHORS - 1));
    for (
      let target = bounds.lo;
      ;
      target = Math.min(bounds.hi, Math.max(target + step, (rows.at(-1)?.iteration ?? target) + 1))
    ) {
      const row = iterations.currentAtOrAfter(id, Math.ceil(target));
      if (row && row.iteration !== rows.at(-1)?.iteration) rows.push(row);
      if (!row || row.iteration >= bounds.hi) break;
    }
  }
  return rows.map((r) => [r.iteration, r.t, r.ms]);
}
