import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogParser } from '@trainboard/shared/log/parser';
import { downsampleMinMax } from '@trainboard/shared/metrics/downsample';
import { fromWireNumber, toWireNumber, type WireNumber } from '@trainboard/shared/metrics/fields';
import express from 'express';
import { METRIC_FIELDS } from '@trainboard/shared/metrics/fields';
import { createApp } from '../app.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';
import { plainRouter } from '../testing/plainRouter.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { fieldValue, parseExtra, POINT_COLUMNS, type IterationsRepo, type PointRow } from '../db/iterations.repo.js';
import { createRepositories } from '../db/repositories.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { createIngestWriter } from '../ingest/ingestWriter.js';
import { errorHandler } from './errors.js';
import { exportPages, runsRouter, writeStream } from './runs.router.js';
import { createSlots } from './slots.js';
import { banner, iterLines } from '@trainboard/shared/testing/detectLog';

const line = (it: number, loss: string) =>
  `[default7]: iteration ${String(it).padStart(8)}/  115311 | consumed samples: ${it * 16} | elapsed time per iteration (s): 1.5 | learning rate: 4.014E-05 | global batch size:    16 | lm loss: ${loss} | grad norm: 0.141 | number of skipped iterations:   0 | number of nan iterations:   0 |\n`;

let conn: OpenDatabase;
let server: Server;
let base: string;
let runId: number;
let auth: TestAuth;

beforeAll(async () => {
  conn = openDatabase(':memory:');
  auth = createTestAuth(conn);
  const source = registerFollowedFile(conn.db, 'api-test', '/logs/main_log.txt');
  runId = source.runId;
  let text = '';
  for (let i = 1; i <= 5000; i++)
    text += line(i, i === 2500 ? 'nan' : i === 4000 ? '9.000000E+01' : `${(3 - i / 5000).toFixed(6)}E+00`);
  const parser = createLogParser();
  const events = parser.push(new TextEncoder().encode(text));
  createIngestWriter(
    conn.sqlite,
    { runId, logSourceId: source.id },
    { timeSource: 'arrival', now: () => 1_700_000_000_000 },
  ).commit(events, parser.resumePoint);
  server = createApp({ conn, logger: pino({ level: 'silent' }), authContext: auth.ctx }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  conn.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
type Body = any;
const get = async (path: string): Promise<{ status: number; type: string | null; body: Body }> => {
  const res = await fetch(base + path, { headers: auth.headers('viewer') });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
  };
};

describe('REST API', () => {
  it('downsamples a long range, keeping the spike, the NaN and the latest point', async () => {
    const { status, body } = await get(`/api/runs/${runId}/series?fields=lmLoss,gradNorm&target=500`);
    expect(status).toBe(200);
    const loss = body.series.lmLoss;
    expect(loss.sampled).toBe(true);
    expect(loss.count).toBe(5000);
    expect(loss.points.length).toBeLessThanOrEqual(501);
    expect(loss.points).toContainEqual([4000, 90]);
    expect(loss.points).toContainEqual([2500, 'NaN']);
    expect(loss.points.at(-1)).toEqual([5000, 2]);
    expect(body.series.gradNorm.sampled).toBe(true);
  });

  it('answers, field by field, exactly what downsampleMinMax gives on the exported rows', async () => {
    const { body } = await get(`/api/runs/${runId}/series?fields=gradNorm,lmLoss,samplesPerSecond&target=300`);
    const rows = (await get(`/api/runs/${runId}/export.json`)).body.iterations as {
      iteration: number;
      values: Record<string, WireNumber>;
    }[];
    for (const field of ['gradNorm', 'lmLoss', 'samplesPerSecond']) {
      const reference = downsampleMinMax(
        rows.map((r) => ({ x: r.iteration, y: fromWireNumber(r.values[field] ?? null) })),
        300,
      );
      expect(body.series[field].points, field).toEqual(reference.points.map((p) => [p.x, toWireNumber(p.y)]));
      expect(body.series[field].sampled, field).toBe(reference.sampled);
    }
  });

  it('gives at most 1,000 axis anchors, evenly spread from the first to the last iteration', async () => {
    const anchors = (await get(`/api/runs/${runId}/axis`)).body.anchors as [number, number | null, number | null][];
    const its = anchors.map((a) => a[0]);
    expect(its[0]).toBe(1);
    expect(its.at(-1)).toBe(5000);
    expect(anchors.length).toBeGreaterThan(900);
    expect(anchors.length).toBeLessThanOrEqual(1000);
    for (let i = 1; i < its.length; i++) expect((its[i] as number) - (its[i - 1] as number)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...its.slice(1).map((x, i) => x - (its[i] as number)))).toBeLessThanOrEqual(6);
    expect(anchors[0]?.[2]).toBe(1_700_000_000_000);
  });

  it('returns raw points for a small range', async () => {
    const { body } = await get(`/api/runs/${runId}/series?fields=lmLoss&from=10&to=19`);
    expect(body.series.lmLoss.sampled).toBe(false);
    expect(body.series.lmLoss.points.map((p: [number, number]) => p[0])).toEqual([
      10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ]);
  });

  it('gives the ETTR: a restart from the save at 100 after 150 loses 101–150; the idle gap counts against it', async () => {
    // One line a second (arrival time), 1 s per iteration: 1–150, a 50 s gap, then a restart from 100 up to 200.
    const source = registerFollowedFile(conn.db, 'ettr-run', '/logs/ettr.txt');
    const t0 = 1_700_000_000_000;
    let now = t0;
    const writer = createIngestWriter(
      conn.sqlite,
      { runId: source.runId, logSourceId: source.id },
      { timeSource: 'arrival', now: () => now },
    );
    const parser = createLogParser();
    const feed = (text: string) => writer.commit(parser.push(new TextEncoder().encode(text)), parser.resumePoint);
    const at = (t: number, text: string) => {
      now = t;
      feed(text);
    };
    at(t0, banner(8, 2, 2, 2));
    for (let i = 1; i <= 150; i++) at(t0 + i * 1000, iterLines(i, i, 1));
    at(t0 + 190_000, banner(8, 2, 2, 2, 100));
    for (let i = 101; i <= 200; i++) at(t0 + (i + 99) * 1000, iterLines(i, i, 1));

    const { status, body } = await get(`/api/runs/${source.runId}/ettr`);
    expect(status).toBe(200);
    // A followed run with no jobs: from its first iteration's start (t0) to its last row (t0 + 299 s).
    expect(body).toMatchObject({ windowStartMs: t0, windowEndMs: t0 + 299_000, totalMs: 299_000 });
    expect(body).toMatchObject({ keptIterations: 200, lostIterations: 50, productiveMs: 200_000, lostMs: 50_000 });
    expect(body.ettr).toBeCloseTo(200 / 299, 10);
  });

  it('exports every row unsampled as CSV and JSON', async () => {
    const csv = await get(`/api/runs/${runId}/export.csv`);
    expect(csv.type).toMatch(/text\/csv/);
    const rows = (csv.body as string).trim().split('\n');
    expect(rows).toHaveLength(5001);
    expect(rows[0]).toMatch(/^iteration,segment,is_current,time_ms,lmLoss,/);
    expect(rows[2500]).toMatch(/^2500,0,1,1700000000000,NaN,/);
    const json = await get(`/api/runs/${runId}/export.json`);
    expect(json.body.iterations).toHaveLength(5000);
    expect(json.body.iterations[3999]).toMatchObject({ iteration: 4000, values: { lmLoss: 90 } });
  });

  it('rejects bad input with JSON {code, message}', async () => {
    for (const [path, status, code] of [
      ['/api/runs/abc/series', 400, 'invalid_request'],
      ['/api/runs/999/series', 404, 'not_found'],
      [`/api/runs/${runId}/series?fields=lmLoss,rm%20-rf`, 400, 'invalid_request'],
      [`/api/runs/${runId}/series?from=-1`, 400, 'invalid_request'],
      [`/api/runs/${runId}/series?target=1`, 400, 'invalid_request'],
      ['/api/nothing', 404, 'not_found'],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expect(res.body, path).toEqual({ code, message: expect.any(String), requestId: expect.any(String) });
    }
  });
});

/** The exports as they were built before streaming: every row in memory, one JSON.stringify / one joined string. */
function wholeExports(runIdOf: number): { json: string; csv: string } {
  const rows = conn.sqlite
    .prepare(`SELECT ${POINT_COLUMNS} FROM iterations WHERE run_id = ? ORDER BY id`)
    .all(runIdOf) as PointRow[];
  const records = rows.map((r) => {
    const extra = parseExtra(r);
    const values: Record<string, number | string | null> = {};
    for (const f of METRIC_FIELDS) values[f] = toWireNumber(fieldValue(r, f, extra));
    return { iteration: r.iteration, segment: r.segment, isCurrent: r.isCurrent === 1, timeMs: r.timeMs, values };
  });
  const lines = [['iteration', 'segment', 'is_current', 'time_ms', ...METRIC_FIELDS].join(',')];
  for (const rec of records) {
    lines.push(
      [
        rec.iteration,
        rec.segment,
        rec.isCurrent ? 1 : 0,
        rec.timeMs ?? '',
        ...METRIC_FIELDS.map((f) => ((rec.values[f] ?? null) === null ? '' : String(rec.values[f]))),
      ].join(','),
    );
  }
  return { json: JSON.stringify({ runId: runIdOf, iterations: records }), csv: `${lines.join('\n')}\n` };
}

describe('streamed exports', () => {
  it('send the same bytes as the whole-in-memory exports, reading pages of at most pageRows rows', async () => {
    const repos = createRepositories(conn.sqlite);
    const pages: { limit: number; rows: number }[] = [];
    const iterations: IterationsRepo = {
      ...repos.iterations,
      rowsAfter: (...args) => {
        const rows = repos.iterations.rowsAfter(...args);
        pages.push({ limit: args[3], rows: rows.length });
        return rows;
      },
    };
    const app = express()
      .use(plainRouter(runsRouter({ ...repos, iterations }, 7)))
      .use(errorHandler(pino({ level: 'silent' })));
    const paged = app.listen(0, '127.0.0.1');
    await new Promise((r) => paged.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(paged.address() as AddressInfo).port}/api/runs/${runId}`;
      const whole = wholeExports(runId);
      for (const [kind, expected] of [
        ['json', whole.json],
        ['csv', whole.csv],
      ] as const) {
        pages.length = 0;
        const res = await fetch(`${url}/export.${kind}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(
          kind === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8',
        );
        expect(await res.text()).toBe(expected);
        // 5,000 rows in pages of 7: 715 pages holding rows, then the empty one that ends the export.
        expect(pages).toHaveLength(Math.ceil(5000 / 7) + 1);
        expect(pages.every((p) => p.limit === 7 && p.rows <= 7)).toBe(true);
      }
      const empty = registerFollowedFile(conn.db, 'empty-run', '/logs/empty.txt').runId;
      expect(
        await (
          await fetch(`http://127.0.0.1:${(paged.address() as AddressInfo).port}/api/runs/${empty}/export.json`)
        ).text(),
      ).toBe(JSON.stringify({ runId: empty, iterations: [] }));
    } finally {
      paged.close();
    }
  });

  it('refuses an export with 503 JSON, reading no page, when the server-wide export slots and queue are full', async () => {
    const repos = createRepositories(conn.sqlite);
    let pages = 0;
    const iterations: IterationsRepo = {
      ...repos.iterations,
      rowsAfter: (...args) => (pages++, repos.iterations.rowsAfter(...args)),
    };
    const app = express()
      .use(plainRouter(runsRouter({ ...repos, iterations }, 100, createSlots({ running: 0, waiting: 0 }))))
      .use(errorHandler(pino({ level: 'silent' })));
    const busy = app.listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(busy.address() as AddressInfo).port}/api/runs/${runId}/export.csv`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ code: 'busy', message: expect.any(String) });
      expect(pages).toBe(0);
    } finally {
      busy.close();
    }
  });

  it('stops reading pages when the client goes away while the socket buffer is full', async () => {
    const repos = createRepositories(conn.sqlite);
    let pulled = 0;
    const body = exportPages(repos.iterations, runId, 100, (rows) => {
      pulled++;
      return `${rows.length}`;
    });
    // A response whose buffer never drains: every write reports backpressure, and then the client disconnects.
    const listeners = new Map<string, () => void>();
    const res = {
      destroyed: false,
      writableNeedDrain: true,
      written: [] as string[],
      write(piece: string) {
        this.written.push(piece);
        return false;
      },
      end() {
        throw new Error('a closed response is not ended');
      },
      once(event: string, fn: () => void) {
        listeners.set(event, fn);
        return this;
      },
      off(event: string) {
        listeners.delete(event);
        return this;
      },
    };
    const done = writeStream(res as never, ['['], body, [']']);
    await new Promise((r) => setImmediate(r));
    expect(res.written).toEqual(['[']); // waiting for 'drain' before reading the first page
    res.destroyed = true;
    listeners.get('close')?.();
    await done;
    expect(pulled).toBe(0);
    expect(res.written).toEqual(['[']);
  });
});

describe('streamed exports and the event loop', () => {
  it('give other work a turn after every page, even when the socket drains on process.nextTick', async () => {
    let pulled = 0;
    const body = exportPages(createRepositories(conn.sqlite).iterations, runId, 100, () => `${++pulled}`);
    const listeners = new Map<string, () => void>();
    const res = {
      destroyed: false,
      writableNeedDrain: true,
      write() {
        process.nextTick(() => listeners.get('drain')?.()); // what a loopback socket that took the write whole does
        return false;
      },
      end() {},
      once(event: string, fn: () => void) {
        listeners.set(event, fn);
        return this;
      },
      off(event: string) {
        listeners.delete(event);
        return this;
      },
    };
    let pulledWhenOtherWorkRan = -1;
    setImmediate(() => (pulledWhenOtherWorkRan = pulled)); // queued before the export: runs at its first turn
    await writeStream(res as never, ['['], body, [']']);
    expect(pulled).toBe(50);
    // It ran before the export's second page was read (-1 would mean: only after the whole export).
    expect(pulledWhenOtherWorkRan).toBeGreaterThanOrEqual(0);
    expect(pulledWhenOtherWorkRan).toBeLessThanOrEqual(1);
  });
});

describe('hostile requests', () => {
  it('accepts only a canonical positive decimal run id', async () => {
    expect((await get(`/api/runs/${runId}/jobs`)).status).toBe(200);
    const hostile = [
      '0x1',
      '1e0',
      '1%20',
      '%201',
      '01',
      '+1',
      '-1',
      '0',
      '1.0',
      '1.',
      '%091',
      '1%00',
      'Infinity',
      'NaN',
      '١',
      '9007199254740993',
      '99999999999999999999',
      `${runId}abc`,
      '',
      '%EF%BC%91',
    ];
    for (const id of hostile) {
      const res = await get(`/api/runs/${id}/jobs`);
      expect([res.status, res.body.code], `id ${JSON.stringify(id)}`).toEqual(
        id === '' ? [404, 'not_found'] : [400, 'invalid_request'],
      );
    }
    expect((await get('/api/runs/9007199254740991/jobs')).status).toBe(404); // canonical and safe, but no such run
  });

  it('answers 413 with JSON to a body over 100 kB', async () => {
    const res = await fetch(`${base}/api/health`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ x: 'y'.repeat(200_000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      code: 'payload_too_large',
      message: expect.any(String),
      requestId: expect.any(String),
    });
  });
});
