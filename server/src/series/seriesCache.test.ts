import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogParser } from '@trainboard/shared/log/parser';
import { GrowingColumns } from '@trainboard/shared/metrics/seriesColumns';
import { DEFAULT_CHART_FIELDS } from '@trainboard/shared/metrics/chartFields';
import { pino } from 'pino';
import type { MetricField } from '@trainboard/shared/metrics/fields';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import type { SeriesRepo, SeriesRow } from '../db/series.repo.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { createIngestWriter } from '../ingest/ingestWriter.js';
import { seriesAnswer } from './seriesAnswer.js';
import { RunSeries } from './runSeries.js';
import { warmNewestRuns } from './warmUp.js';
import { createSeriesCache, type SeriesCache } from './seriesCache.js';
import { freshSeries, type SeriesSource } from './seriesSource.js';

const FIELDS: MetricField[] = ['lmLoss', 'gradNorm', 'learningRate', 'iterationTimeMs'];

/** An iteration line; every 37th has no loss (a sparse field), a NaN and a spike now and then. */
function line(it: number, shift = 0): string {
  const loss =
    it % 37 === 0
      ? ''
      : `lm loss: ${it % 501 === 0 ? 'nan' : it % 777 === 0 ? '9.0E+01' : (3 - it / 9000 + shift).toFixed(6)} | `;
  return `[default7]: iteration ${String(it).padStart(8)}/  115311 | consumed samples: ${it * 16} | elapsed time per iteration (s): ${(1.5 + (it % 13) / 100).toFixed(2)} | learning rate: 4.014E-05 | global batch size:    16 | ${loss}grad norm: ${(0.1 + (it % 7) / 50).toFixed(3)} | number of skipped iterations:   0 | number of nan iterations:   0 |\n`;
}

let conn: OpenDatabase;
let repos: Repositories;
let fresh: SeriesSource;
let cache: SeriesCache;
let runId: number;
let append: (iterations: Iterable<number>, shift?: number) => void;

beforeEach(() => {
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  fresh = freshSeries(repos.iterations);
  cache = createSeriesCache(repos.series);
  const source = registerFollowedFile(conn.db, 'cache-test', '/logs/main_log.txt');
  runId = source.runId;
  const parser = createLogParser();
  const writer = createIngestWriter(
    conn.sqlite,
    { runId, logSourceId: source.id },
    { timeSource: 'arrival', now: () => 1_700_000_000_000 },
  );
  append = (iterations, shift = 0) => {
    let text = '';
    for (const it of iterations) text += line(it, shift);
    writer.commit(parser.push(new TextEncoder().encode(text)), parser.resumePoint);
  };
});
afterEach(() => conn.close());

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const ask = (source: SeriesSource, q: { from?: number; to?: number; target?: number } = {}, fields = FIELDS) =>
  seriesAnswer(source, runId, fields, { from: q.from, to: q.to, target: q.target ?? 2000 });

/** The cache answers exactly what a fresh read answers, for the full range and zoomed ones, at the same seq. */
async function expectSameAsFresh(fields = FIELDS) {
  for (const q of [{}, { from: 1000 }, { from: 2500, to: 4100 }, { to: 10 }, { from: 3000, to: 3100, target: 10 }]) {
    const cached = await ask(cache, q, fields);
    expect(cached).toEqual(await ask(fresh, q, fields));
    expect(cached.seq).toBe(repos.iterations.lastRowId(runId));
  }
}

describe('series cache', () => {
  it('answers as a fresh downsample after each append, reading only the appended rows', async () => {
    append(range(1, 5000));
    await expectSameAsFresh();
    expect((await ask(cache)).series.lmLoss?.sampled).toBe(true);
    for (const [a, b] of [
      [5001, 5001],
      [5002, 5600],
      [5601, 9000],
    ] as const) {
      append(range(a, b));
      await expectSameAsFresh();
    }
    const stats = cache.stats();
    expect(stats.fills).toBe(1);
    expect(stats.rebuilds).toBe(0);
    expect((await ask(cache)).series.lmLoss?.points.at(-1)?.[0]).toBe(9000);
  });

  it('adds fields asked for later at the same seq', async () => {
    append(range(1, 3000));
    await expectSameAsFresh(['lmLoss']);
    append(range(3001, 3500));
    await expectSameAsFresh(['lmLoss', 'tflops', 'consumedSamples']);
    await expectSameAsFresh();
  });

  it('builds the run again when a restart supersedes rows (is_current), and answers the re-run values', async () => {
    append(range(1, 4000));
    await expectSameAsFresh();
    append(range(3500, 4600), 0.5); // resumed from a checkpoint at 3500: 3500..4000 superseded
    await expectSameAsFresh();
    expect(cache.stats().rebuilds).toBe(1);
    const loss = (await ask(cache, { from: 3600, to: 3600 })).series.lmLoss?.points;
    expect(loss).toEqual([[3600, Number((3 - 3600 / 9000 + 0.5).toFixed(6))]]);
    append(range(4601, 4700), 0.5);
    await expectSameAsFresh();
  });

  it('notices rows superseded without a new row (the superseded count went up)', async () => {
    append(range(1, 2000));
    await expectSameAsFresh();
    conn.sqlite.prepare('UPDATE iterations SET is_current = 0 WHERE run_id = ? AND iteration > 1900').run(runId);
    await expectSameAsFresh();
    expect((await ask(cache)).series.lmLoss?.points.at(-1)?.[0]).toBe(1900);
    expect(cache.stats().rebuilds).toBe(1);
  });

  it('keeps runs within its byte cap, least recently used out first', async () => {
    append(range(1, 3000));
    const [b, c] = ['cache-test-b', 'cache-test-c'].map(
      (name) => registerFollowedFile(conn.db, name, `/logs/${name}`).runId,
    );
    const askRun = (source: SeriesSource, id: number) => seriesAnswer(source, id, FIELDS, { target: 2000 });
    const small = createSeriesCache(repos.series, { maxBytes: 1 });
    expect(await ask(small)).toEqual(await ask(fresh)); // alone over the cap: answered, not kept
    expect(small.stats().runs).toBe(0);

    const probe = createSeriesCache(repos.series);
    await ask(probe);
    const bytesA = probe.stats().bytes;
    await askRun(probe, b as number);
    const bytesB = probe.stats().bytes - bytesA;
    const capped = createSeriesCache(repos.series, { maxBytes: bytesA + bytesB });
    await ask(capped);
    await askRun(capped, b as number);
    await ask(capped); // A is now the most recent
    await askRun(capped, c as number); // over the cap: B goes first
    expect(capped.stats()).toMatchObject({ runs: 2, fills: 3, hits: 1, evictions: 1 });
    await ask(capped);
    expect(capped.stats()).toMatchObject({ fills: 3, hits: 2 });
    await askRun(capped, b as number);
    expect(capped.stats()).toMatchObject({ fills: 4, evictions: 2 });
    expect(capped.stats().bytes).toBeLessThanOrEqual(bytesA + bytesB);

    append(range(3001, 9000)); // A grows past the cap: answered from what it holds, then let go
    expect(await ask(capped)).toEqual(await ask(fresh));
    expect(capped.stats().bytes).toBeLessThanOrEqual(bytesA + bytesB);
  });

  it('reads a cold run a page per turn, once for every viewer who asks meanwhile', async () => {
    append(range(1, 9000)); // 3 pages of FILL_PAGE_ROWS
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const [a, b] = await Promise.all([ask(cache), ask(cache)]);
    clearInterval(ticking);
    expect(a).toEqual(b);
    expect(a).toEqual(await ask(fresh));
    expect(cache.stats()).toMatchObject({ fills: 1 });
    expect(turns).toBeGreaterThan(0); // the event loop ran timers while the run was read
  });

  it("the server's start-up warm-up holds the newest runs and answers them as a fresh read", async () => {
    append(range(1, 6000));
    await warmNewestRuns(cache, repos.runs, pino({ level: 'silent' }));
    expect(cache.stats()).toMatchObject({ runs: 1, fills: 1 });
    const page = { target: 2000 };
    expect(await seriesAnswer(cache, runId, DEFAULT_CHART_FIELDS, page)).toEqual(
      await seriesAnswer(fresh, runId, DEFAULT_CHART_FIELDS, page),
    );
    expect(cache.stats()).toMatchObject({ fills: 1, rebuilds: 0 });
  });

  it('warms runs in the background, then serves them with the rows appended since', async () => {
    append(range(1, 9000));
    await cache.warm([runId], FIELDS);
    expect(cache.stats()).toMatchObject({ runs: 1, fills: 1 });
    append(range(9001, 9100));
    await expectSameAsFresh();
    expect(cache.stats()).toMatchObject({ fills: 1, rebuilds: 0 });
  });
});

describe('RunSeries.append', () => {
  const repoWith = (rows: SeriesRow[]) => ({ rowsAfter: () => rows }) as unknown as SeriesRepo;
  const held = () => {
    const run = new RunSeries(1, 10, 0, 16);
    run.rows.push(5, 10);
    run.fields.set('lmLoss', new GrowingColumns());
    return run;
  };

  it('appends a plain continuation and moves its seq', async () => {
    const run = held();
    expect(run.append(repoWith([[11, 6, 1, null, 2.5]]), 11)).toBe(true);
    expect(run.seq).toBe(11);
    expect(Array.from(run.fields.get('lmLoss')?.slice().xs ?? [])).toEqual([6]);
  });

  it.each([
    ['a row at the last iteration held', [11, 5, 1, null, 2.5]],
    ['a row before it', [11, 3, 1, null, 2.5]],
    ['a row not current', [11, 6, 0, null, 2.5]],
  ] as [string, SeriesRow][])('refuses %s (a restart: build again)', (_, row) => {
    const run = held();
    expect(run.append(repoWith([row]), 11)).toBe(false);
    expect(run.seq).toBe(10);
    expect(run.rows.length).toBe(1);
  });
});
