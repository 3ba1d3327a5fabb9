// REST for the run page beyond the metric series: the header's overview (latest iteration, recent speed, last
// checkpoint, jobs), the run list's summaries, validation curves per group, chart annotations and the jobs table.
// Read-only queries on indexed columns; numbers arrive ready to draw, the browser never parses a log.
import { Router } from 'express';
import type Database from 'better-sqlite3';
import type { Job, RunSummary } from '@trainboard/shared/api';
import { explainJobEnd, exitText, failureText, type JobEndEvent } from '@trainboard/shared/dashboard/jobs';
import { mostSpecificFailure } from '@trainboard/shared/log/classify';
import { runIdReader } from './runParam.js';

/** Iteration time is averaged over this many latest iterations for the ETA (minutes of a BLOOM run). */
const RECENT_ITERATIONS = 20;
/** Anchors for the tokens/time axes: enough that interpolation errors stay below a pixel on a wide chart. */
const AXIS_ANCHORS = 1000;

interface LatestRow {
  iteration: number;
  trainIters: number;
  timeMs: number | null;
  lmLoss: number | null;
  tflops: number | null;
  consumedSamples: number | null;
  consumedTokens: number | null;
  iterationTimeMs: number | null;
}

export function runDetailsRouter(sqlite: Database.Database): Router {
  const router = Router();
  const latest = sqlite.prepare(`SELECT iteration, train_iters AS trainIters, time_ms AS timeMs, lm_loss AS lmLoss, tflops,
    consumed_samples AS consumedSamples, consumed_tokens AS consumedTokens, iteration_time_ms AS iterationTimeMs
    FROM iterations WHERE run_id = ? AND is_current = 1 ORDER BY iteration DESC, id DESC LIMIT 1`);
  const recent = sqlite.prepare(`SELECT iteration_time_ms AS ms FROM iterations WHERE run_id = ? AND is_current = 1
    AND overhead = 0 AND iteration_time_ms IS NOT NULL ORDER BY iteration DESC LIMIT ${RECENT_ITERATIONS}`);
  const lastCheckpoint = sqlite.prepare(`SELECT iteration, time_ms AS timeMs FROM events WHERE run_id = ? AND type = 'checkpoint_saved'
    ORDER BY id DESC LIMIT 1`);
  const runId = runIdReader(sqlite);
  const runRow = sqlite.prepare('SELECT id, name, state, segment_count AS segmentCount, config FROM runs WHERE id = ?');

  router.get('/api/run-summaries', (_req, res) => {
    const runs = sqlite.prepare('SELECT id, name, state, segment_count AS segmentCount FROM runs ORDER BY id DESC').all() as
      Pick<RunSummary, 'id' | 'name' | 'state' | 'segmentCount'>[];
    const summaries: RunSummary[] = runs.map((r) => {
      const row = latest.get(r.id) as LatestRow | undefined;
      return { ...r, iteration: row?.iteration ?? null, trainIters: row?.trainIters ?? null, lmLoss: row?.lmLoss ?? null,
        tflops: row?.tflops ?? null, lastUpdateMs: row?.timeMs ?? null };
    });
    res.json({ runs: summaries });
  });

  router.get('/api/runs/:id/overview', (req, res) => {
    const run = runRow.get(runId(req)) as { id: number; name: string; state: string; segmentCount: number; config: string | null };
    const row = (latest.get(run.id) as LatestRow | undefined) ?? null;
    const times = (recent.all(run.id) as { ms: number }[]).map((r) => r.ms);
    const checkpoint = (lastCheckpoint.get(run.id) as { iteration: number | null; timeMs: number | null } | undefined) ?? null;
    const jobs = jobRows(run.id);
    res.json({
      run: { id: run.id, name: run.name, state: run.state, segmentCount: run.segmentCount },
      latest: row,
      recentIterationMs: times.length ? times.reduce((a, b) => a + b, 0) / times.length : null,
      targetTokens: targetTokens(run.config),
      lastCheckpoint: checkpoint,
      currentJob: jobs.at(-1) ?? null,
      nowMs: Date.now(),
    });
  });

  router.get('/api/runs/:id/validations', (req, res) => {
    const rows = sqlite.prepare(`SELECT group_name AS g, iteration, lm_loss AS loss FROM validations
      WHERE run_id = ? AND is_current = 1 AND end_of_training = 0 AND iteration IS NOT NULL ORDER BY group_name, iteration`)
      .all(runId(req)) as { g: string; iteration: number; loss: number | null }[];
    const groups: Record<string, [number, number | null][]> = {};
    for (const r of rows) (groups[r.g] ??= []).push([r.iteration, r.loss]);
    res.json({ groups });
  });

  router.get('/api/runs/:id/annotations', (req, res) => {
    const id = runId(req);
    type Row = { type: string; kind: string | null; iteration: number | null; timeMs: number | null; message: string | null; noise: number };
    const rows = sqlite.prepare(`SELECT type, kind, iteration, time_ms AS timeMs, message, coalesce(json_extract(payload, '$.shutdownNoise'), 0) AS noise
      FROM events WHERE run_id = ? AND type IN ('run_start', 'checkpoint_saved', 'exit', 'failure') ORDER BY id`).all(id) as Row[];
    // One mark per incident: the reports of one crash (the CUDA error, srun's task exit) share the last iteration
    // logged, and the most specific names it. Shutdown noise after a clean exit is no failure (the exit is marked).
    const failuresAt = new Map<number | null, Row[]>();
    for (const e of rows) if (e.type === 'failure' && e.noise !== 1) failuresAt.set(e.iteration, [...(failuresAt.get(e.iteration) ?? []), e]);
    const shownFailures = new Set([...failuresAt.values()].map((group) => mostSpecificFailure(group)));
    const events = rows.filter((e) => e.type !== 'failure' || shownFailures.has(e));
    const evals = sqlite.prepare(`SELECT iteration, min(time_ms) AS timeMs FROM validations WHERE run_id = ? AND is_current = 1
      AND end_of_training = 0 AND iteration IS NOT NULL GROUP BY iteration ORDER BY iteration`).all(id) as { iteration: number; timeMs: number | null }[];
    // A run_start carries no iteration: it begins where the next logged iteration is.
    const nextIteration = sqlite.prepare('SELECT min(iteration) AS it FROM iterations WHERE run_id = ? AND segment = ?');
    let segment = 0;
    const annotations = events.map((e) => {
      if (e.type === 'run_start') {
        segment++;
        const it = (nextIteration.get(id, segment) as { it: number | null }).it;
        return { kind: segment === 1 ? 'start' : 'restart', iteration: it, timeMs: e.timeMs, label: segment === 1 ? 'job start' : `restart ${segment - 1}` };
      }
      if (e.type === 'checkpoint_saved') return { kind: 'checkpoint', iteration: e.iteration, timeMs: e.timeMs, label: `checkpoint ${e.iteration ?? ''}`.trim() };
      if (e.type === 'exit') return { kind: 'end', iteration: e.iteration, timeMs: e.timeMs, label: exitText(e.kind) };
      return { kind: 'failure', iteration: e.iteration, timeMs: e.timeMs, label: failureText(e.kind) ?? e.message ?? 'failure' };
    });
    for (const v of evals) annotations.push({ kind: 'eval', iteration: v.iteration, timeMs: v.timeMs, label: `eval ${v.iteration}` });
    res.json({ annotations });
  });

  // Sparse (iteration, tokens, time) anchors for the tokens and wall-time x axes: the client interpolates.
  router.get('/api/runs/:id/axis', (req, res) => {
    const id = runId(req);
    // Anchors at evenly spaced iteration numbers, each one index seek: a window over every row of a 115k-iteration
    // run took ~120 ms of the page's first load, this takes a few.
    const bounds = sqlite.prepare('SELECT min(iteration) AS lo, max(iteration) AS hi FROM iterations WHERE run_id = ? AND is_current = 1').get(id) as { lo: number | null; hi: number | null };
    const atOrAfter = sqlite.prepare(`SELECT iteration, consumed_tokens AS t, time_ms AS ms FROM iterations
      WHERE run_id = ? AND is_current = 1 AND iteration >= ? ORDER BY iteration LIMIT 1`);
    const rows: { iteration: number; t: number | null; ms: number | null }[] = [];
    if (bounds.lo !== null && bounds.hi !== null) {
      const step = Math.max(1, (bounds.hi - bounds.lo) / (AXIS_ANCHORS - 1));
      for (let target = bounds.lo; ; target = Math.min(bounds.hi, Math.max(target + step, (rows.at(-1)?.iteration ?? target) + 1))) {
        const row = atOrAfter.get(id, Math.ceil(target)) as (typeof rows)[number] | undefined;
        if (row && row.iteration !== rows.at(-1)?.iteration) rows.push(row);
        if (!row || row.iteration >= bounds.hi) break;
      }
    }
    res.json({ anchors: rows.map((r) => [r.iteration, r.t, r.ms]) });
  });

  router.get('/api/runs/:id/jobs', (req, res) => void res.json({ jobs: jobRows(runId(req)) }));

  const jobsOf = sqlite.prepare(`SELECT scheduler_job_id AS jobId, state, node_list AS nodeList, exit_code AS exitCode,
    submitted_at AS submittedAt, started_at AS startedAt, ended_at AS endedAt FROM jobs WHERE run_id = ? ORDER BY id`);
  const endEventsOf = sqlite.prepare(`SELECT type, kind, message, iteration, time_ms AS timeMs,
    coalesce(json_extract(payload, '$.shutdownNoise'), 0) AS noise, json_extract(payload, '$.nodes') AS nodes
    FROM events WHERE run_id = ? AND type IN ('failure', 'exit') ORDER BY id`);

  function jobRows(id: number): Job[] {
    const jobs = jobsOf.all(id) as Omit<Job, 'exitReason'>[];
    if (jobs.length === 0) return [];
    const events = (endEventsOf.all(id) as (Omit<JobEndEvent, 'shutdownNoise' | 'nodes'> & { noise: number; nodes: string | null })[])
      .map(({ noise, nodes, ...e }): JobEndEvent => ({ ...e, shutdownNoise: noise === 1, nodes: nodes ? (JSON.parse(nodes) as string[]) : [] }));
    return jobs.map((j) => ({ ...j, exitReason: explainJobEnd(j, events) }));
  }

  return router;
}

/** train_samples × seq_length from the banner's arguments, when both are numbers. */
export function targetTokens(config: string | null): number | null {
  if (!config) return null;
  try {
    const args = (JSON.parse(config) as { args?: Record<string, unknown> }).args ?? {};
    const samples = Number(args.train_samples);
    const seq = Number(args.seq_length);
    return Number.isFinite(samples) && Number.isFinite(seq) && samples > 0 && seq > 0 ? samples * seq : null;
  } catch {
    return null;
  }
}
