// Benchmark (b) of issue 2: parse + import into SQLite, in lines/s and as a ratio to a bare better-sqlite3 insert
// of the same rows already parsed, measured in this one run on a synthetic 1M-line log (synthetic-log.ts).
// Targets: import ≥ 200k lines/s and ≥ 0.5× the bare insert. Reports, never asserts.
//
// Usage: npm run bench -- import     (or: npx tsx scripts/bench/import.ts)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LogEvent } from '@trainboard/shared/log/events';
import { createLogParser } from '@trainboard/shared/log/parser';
import { openDatabase } from '../../server/src/db/client.js';
import { createLogSource } from '../../server/src/db/logSources.repo.js';
import { findOrCreateRun } from '../../server/src/db/runs.repo.js';
import { DEFAULT_CHUNK_BYTES, importLogFile } from '../../server/src/ingest/importFile.js';
import { insertIterationSql, iterationRow, toJsonText } from '../../server/src/ingest/ingestWriter.js';
import { writeSyntheticLog } from './synthetic-log.js';

const LINES = 1_000_000;

type Row = (number | string | null)[];
interface Batch {
  iterations: Row[];
  validations: Row[];
  events: Row[];
}

/** The rows the import stores, built from already parsed events, batched like the import's transactions. */
async function parseToRows(path: string, target: { runId: number; logSourceId: number }): Promise<{ batches: Batch[]; parseMs: number }> {
  const bytes = await readFile(path);
  const parser = createLogParser();
  const parsed: LogEvent[][] = [];
  const t = performance.now();
  for (let at = 0; at < bytes.length; at += DEFAULT_CHUNK_BYTES) parsed.push(parser.push(bytes.subarray(at, at + DEFAULT_CHUNK_BYTES)));
  parsed.push(parser.end());
  const parseMs = performance.now() - t;
  const noTime = { timeMs: null, estimated: false };
  const batches = parsed.map((events) => {
    const batch: Batch = { iterations: [], validations: [], events: [] };
    for (const ev of events) {
      if (ev.type === 'iteration') batch.iterations.push(iterationRow(ev, target, 0, noTime));
      else if (ev.type === 'validation') {
        batch.validations.push([target.runId, target.logSourceId, ev.offset, ev.line, 0, ev.iteration, 0, ev.group, ev.split, null, 0, ev.lmLoss, ev.ppl, null]);
      } else {
        const { type: _t, offset: _o, line: _l, ...payload } = ev;
        batch.events.push([target.runId, target.logSourceId, ev.offset, ev.line, 0, ev.type, null, null, null, 0, null, toJsonText(payload)]);
      }
    }
    return batch;
  });
  return { batches, parseMs };
}

async function bareInsert(dbPath: string, build: (target: { runId: number; logSourceId: number }) => Promise<Batch[]>): Promise<number> {
  const conn = openDatabase(dbPath);
  const run = findOrCreateRun(conn.db, 'bare');
  const source = createLogSource(conn.db, run.id, '/bare', { inode: null, size: 0, headHash: '', headLength: 0 }, 0);
  const batches = await build({ runId: run.id, logSourceId: source.id });
  const iteration = conn.sqlite.prepare(insertIterationSql.replace(' ON CONFLICT DO NOTHING', ''));
  const validation = conn.sqlite.prepare(`INSERT INTO validations (run_id, log_source_id, byte_offset, line, segment, is_current,
    iteration, end_of_training, group_name, split, time_ms, time_estimated, lm_loss, ppl, extra) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const event = conn.sqlite.prepare(`INSERT INTO events (run_id, log_source_id, byte_offset, line, segment, type, kind, iteration,
    time_ms, time_estimated, message, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertBatch = conn.sqlite.transaction((b: Batch) => {
    for (const r of b.iterations) iteration.run(r);
    for (const r of b.validations) validation.run(r);
    for (const r of b.events) event.run(r);
  });
  const t = performance.now();
  for (const b of batches) insertBatch(b);
  const ms = performance.now() - t;
  conn.close();
  return ms;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'trainboard-bench-import-'));
  try {
    const log = join(dir, 'main_log.txt');
    const { lines } = writeSyntheticLog(log, LINES);
    const mib = statSync(log).size / (1 << 20);

    // Parsing to rows first also brings the log into the page cache for the import that follows.
    let parseMs = 0;
    let rows = 0;
    const bare = await bareInsert(join(dir, 'bare.db'), async (target) => {
      const parsed = await parseToRows(log, target);
      parseMs = parsed.parseMs;
      for (const b of parsed.batches) rows += b.iterations.length + b.validations.length + b.events.length;
      return parsed.batches;
    });

    const conn = openDatabase(join(dir, 'import.db'));
    const t = performance.now();
    const result = await importLogFile({ conn, runName: 'bench', path: log });
    const importMs = performance.now() - t;
    conn.close();

    const perSecond = (n: number, ms: number) => Math.round((n * 1000) / ms).toLocaleString('en-US');
    const table = [
      ['', 'seconds', 'lines/s', 'rows/s', 'vs bare insert'],
      ['parse only (in memory)', (parseMs / 1000).toFixed(2), perSecond(lines, parseMs), '', ''],
      ['bare insert (rows pre-parsed)', (bare / 1000).toFixed(2), perSecond(lines, bare), perSecond(rows, bare), '1.00'],
      ['parse + import (trainboard import)', (importMs / 1000).toFixed(2), perSecond(result.lines, importMs), perSecond(rows, importMs), (bare / importMs).toFixed(2)],
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    console.log(`log: ${lines.toLocaleString('en-US')} lines, ${mib.toFixed(0)} MiB, ${rows.toLocaleString('en-US')} rows ` +
      `(${result.counts.iterations.toLocaleString('en-US')} iterations, ${result.counts.validations} validations, ${result.counts.events} events)`);
    for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
    console.log('targets: parse + import ≥ 200,000 lines/s and ≥ 0.50× the bare insert');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
