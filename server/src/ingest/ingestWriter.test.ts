import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@trainboard/shared/log/events';
import { openDatabase } from '../db/client.js';
import { createLogSource } from '../db/logSources.repo.js';
import { currentSeries, supersededIterations } from '../db/iterations.repo.js';
import { findOrCreateRun } from '../db/runs.repo.js';
import { buildDatetime, buildIteration, buildRunStart, buildValidation, cursorAt } from './eventBuilders.js';
import {
  ConcurrentIngestError,
  createIngestWriter,
  insertIterationSql,
  iterationRow,
  type IngestOptions,
} from './ingestWriter.js';

function setup(options: IngestOptions = { timeSource: 'estimate' }) {
  const conn = openDatabase(':memory:');
  const run = findOrCreateRun(conn.db, 'tr11');
  const source = createLogSource(
    conn.db,
    run.id,
    '/logs/main_log.txt',
    { inode: 1, size: 0, headHash: 'x', headLength: 0 },
    0,
  );
  const target = { runId: run.id, logSourceId: source.id };
  const open = () => createIngestWriter(conn.sqlite, target, options);
  const rows = <T>(sql: string, ...params: unknown[]) => conn.sqlite.prepare(sql).all(...params) as T[];
  return { conn, target, open, rows };
}

/** Two process starts: the first runs 1..5 (crash), the second resumes from checkpoint 3 and runs 4..6. */
function restartedLog(): LogEvent[] {
  return [
    buildRunStart(0, { worldSize: 8 }),
    ...[1, 2, 3, 4, 5].map((i) => buildIteration({ iteration: i, offset: i * 100, lmLoss: 10 + i })),
    buildValidation({ offset: 450, iteration: 4, group: 'valid' }),
    buildRunStart(1000, { worldSize: 16 }),
    ...[4, 5, 6].map((i) => buildIteration({ iteration: i, offset: 1000 + i * 100, lmLoss: 20 + i })),
    buildValidation({ offset: 1450, iteration: 4, group: 'valid', lmLoss: 2 }),
  ];
}

describe(iterationRow.name, () => {
  it('puts every field in the column the insert names for it', () => {
    const columns =
      /\(([^)]*)\)/
        .exec(insertIterationSql)?.[1]
        ?.split(',')
        .map((c) => c.trim()) ?? [];
    const ev = buildIteration({
      iteration: 7,
      offset: 11,
      line: 12,
      rank: 3,
      trainIters: 13,
      consumedSamples: 14,
      consumedTokens: 15,
      iterationTimeMs: 16,
      learningRate: 17,
      globalBatchSize: 18,
      lmLoss: 19,
      lossScale: 20,
      gradNorm: 21,
      numZeros: 22,
      skippedIterations: 23,
      nanIterations: 24,
      samplesPerSecond: 25,
      tflops: 26,
      overhead: true,
    });
    const row = iterationRow(ev, { runId: 1, logSourceId: 2 }, 4, { timeMs: 99, estimated: true });
    expect(Object.fromEntries(columns.map((c, i) => [c, row[i]]))).toEqual({
      run_id: 1,
      log_source_id: 2,
      byte_offset: 11,
      line: 12,
      segment: 4,
      is_current: 1,
      iteration: 7,
      train_iters: 13,
      time_ms: 99,
      time_estimated: 1,
      consumed_samples: 14,
      consumed_tokens: 15,
      iteration_time_ms: 16,
      learning_rate: 17,
      global_batch_size: 18,
      lm_loss: 19,
      loss_scale: 20,
      grad_norm: 21,
      num_zeros: 22,
      skipped_iterations: 23,
      nan_iterations: 24,
      samples_per_second: 25,
      tflops: 26,
      overhead: 1,
      rank: 3,
      extra: null,
    });
  });
});

describe(createIngestWriter.name, () => {
  it('commit() stores iterations with typed columns, NaN kept in extra, and moves the cursor', () => {
    const { open, rows, target } = setup();
    const counts = open().commit(
      [
        buildIteration({
          iteration: 7,
          offset: 0,
          gradNorm: Number.NaN,
          lossScale: Number.POSITIVE_INFINITY,
          extra: { 'moe loss': 0.5 },
        }),
      ],
      cursorAt(321, 2),
      400,
    );
    expect(counts).toEqual({ iterations: 1, validations: 0, events: 0, duplicates: 0 });
    const [row] = rows<Record<string, unknown>>('SELECT * FROM iterations');
    expect(row).toMatchObject({
      iteration: 7,
      grad_norm: null,
      loss_scale: Number.POSITIVE_INFINITY,
      is_current: 1,
      segment: 0,
      consumed_samples: 112,
    });
    expect(JSON.parse(row?.extra as string)).toEqual({ 'moe loss': 0.5, gradNorm: 'NaN' });
    expect(rows('SELECT byte_offset, line, size FROM log_sources WHERE id = ?', target.logSourceId)).toEqual([
      { byte_offset: 321, line: 2, size: 400 },
    ]);
  });

  it('commit() ignores events already stored (re-parse after a resume) and counts them as duplicates', () => {
    const { open, rows } = setup();
    const events = restartedLog();
    open().commit(events, cursorAt(2000, 20));
    const again = open().commit(events.slice(3), cursorAt(2000, 20));
    expect(again).toEqual({ iterations: 0, validations: 0, events: 0, duplicates: events.length - 3 });
    expect(rows('SELECT count(*) AS n FROM iterations')).toEqual([{ n: 8 }]);
    expect(rows('SELECT segment_count AS s FROM runs')).toEqual([{ s: 2 }]);
  });

  it('marks iterations and validations run again after a restart as superseding, keeping the old ones', () => {
    const { open, rows } = setup();
    open().commit(restartedLog(), cursorAt(2000, 20));
    const current = rows(
      'SELECT iteration, segment, lm_loss FROM iterations WHERE run_id = 1 AND is_current = 1 ORDER BY iteration',
    );
    expect(current).toEqual([
      { iteration: 1, segment: 1, lm_loss: 11 },
      { iteration: 2, segment: 1, lm_loss: 12 },
      { iteration: 3, segment: 1, lm_loss: 13 },
      { iteration: 4, segment: 2, lm_loss: 24 },
      { iteration: 5, segment: 2, lm_loss: 25 },
      { iteration: 6, segment: 2, lm_loss: 26 },
    ]);
    const superseded = rows(
      'SELECT iteration, segment, lm_loss FROM iterations WHERE is_current = 0 ORDER BY iteration',
    );
    expect(superseded).toEqual([
      { iteration: 4, segment: 1, lm_loss: 14 },
      { iteration: 5, segment: 1, lm_loss: 15 },
    ]);
    expect(rows('SELECT iteration, segment, lm_loss, is_current FROM validations ORDER BY id')).toEqual([
      { iteration: 4, segment: 1, lm_loss: 3, is_current: 0 },
      { iteration: 4, segment: 2, lm_loss: 2, is_current: 1 },
    ]);
    expect(rows('SELECT type, segment FROM events ORDER BY byte_offset')).toEqual([
      { type: 'run_start', segment: 1 },
      { type: 'run_start', segment: 2 },
    ]);
  });

  it('currentSeries() and supersededIterations() read both sides of a restart, within a range', () => {
    const { open, conn, target } = setup();
    open().commit(restartedLog(), cursorAt(2000, 20));
    const pick = (rows: { iteration: number; segment: number; lmLoss: number | null; isCurrent: boolean }[]) =>
      rows.map((r) => [r.iteration, r.segment, r.lmLoss, r.isCurrent]);
    expect(pick(currentSeries(conn.db, target.runId, { from: 3, to: 5 }))).toEqual([
      [3, 1, 13, true],
      [4, 2, 24, true],
      [5, 2, 25, true],
    ]);
    expect(pick(currentSeries(conn.db, target.runId))).toHaveLength(6);
    expect(pick(supersededIterations(conn.db, target.runId))).toEqual([
      [4, 1, 14, false],
      [5, 1, 15, false],
    ]);
    expect(pick(supersededIterations(conn.db, target.runId, { to: 4 }))).toEqual([[4, 1, 14, false]]);
  });

  it('gives the same rows whether the events come in one batch or many writers (a resumed import)', () => {
    const one = setup();
    one.open().commit(restartedLog(), cursorAt(2000, 20));
    const many = setup();
    const events = restartedLog();
    for (let i = 0; i < events.length; i += 2)
      many.open().commit(events.slice(i, i + 2), cursorAt(events[i]?.offset ?? 0, 1));
    const all = 'SELECT * FROM iterations ORDER BY id';
    expect(many.rows(all)).toEqual(one.rows(all));
    expect(many.rows('SELECT * FROM validations ORDER BY id')).toEqual(
      one.rows('SELECT * FROM validations ORDER BY id'),
    );
  });

  it('estimates iteration times forwards from a datetime anchor and backwards for rows before it', () => {
    const { open, rows } = setup();
    const t0 = Date.UTC(2022, 2, 18, 11, 0, 0);
    open().commit(
      [
        buildIteration({ iteration: 10, offset: 0, iterationTimeMs: 1000 }),
        buildIteration({ iteration: 12, offset: 100, iterationTimeMs: 2000 }),
        buildDatetime(200, t0, 'exiting program at iteration 12'),
        buildRunStart(300),
        buildIteration({ iteration: 13, offset: 400 }),
        buildDatetime(500, t0 + 60_000),
        buildIteration({ iteration: 14, offset: 600, iterationTimeMs: 3000 }),
        buildIteration({ iteration: 16, offset: 700, iterationTimeMs: 500 }),
      ],
      cursorAt(800, 9),
    );
    expect(rows('SELECT iteration, time_ms AS t, time_estimated AS e FROM iterations ORDER BY byte_offset')).toEqual([
      { iteration: 10, t: t0 - 4000, e: 1 }, // 12 took 2 s each for 2 iterations
      { iteration: 12, t: t0, e: 1 },
      { iteration: 13, t: t0 + 60_000, e: 1 }, // new process: filled backwards from the next datetime, not the old one
      { iteration: 14, t: t0 + 63_000, e: 1 },
      { iteration: 16, t: t0 + 64_000, e: 1 },
    ]);
    expect(rows('SELECT type, time_ms AS t, time_estimated AS e FROM events ORDER BY byte_offset')).toEqual([
      { type: 'datetime', t: t0, e: 0 },
      { type: 'run_start', t: t0 + 60_000, e: 1 }, // dated from the first row after it
      { type: 'datetime', t: t0 + 60_000, e: 0 },
    ]);
  });

  it('refuses a commit from a writer whose cursor another writer moved, and rolls it back', () => {
    const { open, rows } = setup();
    const a = open();
    const b = open();
    a.commit([buildIteration({ iteration: 1, offset: 0 })], cursorAt(100, 2));
    expect(() =>
      b.commit(
        [buildIteration({ iteration: 1, offset: 0 }), buildIteration({ iteration: 2, offset: 100 })],
        cursorAt(200, 3),
      ),
    ).toThrow(ConcurrentIngestError);
    expect(rows('SELECT iteration FROM iterations')).toEqual([{ iteration: 1 }]);
    a.commit([buildIteration({ iteration: 2, offset: 100 })], cursorAt(200, 3)); // the first writer goes on
    expect(rows('SELECT iteration FROM iterations ORDER BY id')).toEqual([{ iteration: 1 }, { iteration: 2 }]);
  });

  it('does not advance the time walk for events it already stored (re-parsed after a resume)', () => {
    const t0 = Date.UTC(2022, 4, 1);
    const events = [
      buildDatetime(0, t0),
      buildIteration({ iteration: 1, offset: 100, iterationTimeMs: 1000 }),
      buildIteration({ iteration: 2, offset: 200, iterationTimeMs: 1000 }),
      buildValidation({ offset: 250, group: 'valid', iteration: 2 }),
      buildIteration({ iteration: 3, offset: 300, iterationTimeMs: 1000 }),
    ];
    const clean = setup();
    clean.open().commit(events, cursorAt(400, 5));
    const resumed = setup();
    resumed.open().commit(events.slice(0, 3), cursorAt(150, 2)); // resume point inside an open group, say
    resumed.open().commit(events.slice(1), cursorAt(400, 5)); // iteration 2 comes again
    const times = 'SELECT iteration, time_ms FROM iterations ORDER BY byte_offset';
    expect(resumed.rows(times)).toEqual(clean.rows(times));
    expect(clean.rows(times)).toEqual([
      { iteration: 1, time_ms: t0 + 1000 },
      { iteration: 2, time_ms: t0 + 2000 },
      { iteration: 3, time_ms: t0 + 3000 },
    ]);
    expect(resumed.rows('SELECT ingest_state FROM log_sources')).toEqual(
      clean.rows('SELECT ingest_state FROM log_sources'),
    );
  });

  it('stamps arrival time in live mode', () => {
    const { open, rows } = setup({ timeSource: 'arrival', now: () => 42 });
    open().commit(
      [buildIteration({ iteration: 1, offset: 0 }), buildIteration({ iteration: 2, offset: 10, timestamp: 7 })],
      cursorAt(20, 3),
    );
    expect(rows('SELECT time_ms AS t, time_estimated AS e FROM iterations ORDER BY id')).toEqual([
      { t: 42, e: 0 },
      { t: 7, e: 0 },
    ]);
  });

  it('rolls the in-memory state back with a failed transaction', () => {
    const { open, rows, conn } = setup();
    const writer = open();
    conn.sqlite.exec(
      "CREATE TRIGGER fail BEFORE INSERT ON events WHEN NEW.type = 'datetime' BEGIN SELECT RAISE(ABORT, 'boom'); END",
    );
    expect(() => writer.commit([buildRunStart(0), buildDatetime(5, 1)], cursorAt(10, 2))).toThrow(/boom/);
    conn.sqlite.exec('DROP TRIGGER fail');
    writer.commit([buildRunStart(0), buildDatetime(5, 1)], cursorAt(10, 2));
    expect(rows('SELECT type, segment FROM events ORDER BY byte_offset')).toEqual([
      { type: 'run_start', segment: 1 },
      { type: 'datetime', segment: 1 },
    ]);
    expect(rows('SELECT segment_count AS s FROM runs')).toEqual([{ s: 1 }]);
  });
});
