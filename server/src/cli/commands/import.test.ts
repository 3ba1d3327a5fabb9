import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  statSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSyntheticLog } from '../../../../scripts/bench/syntheticLog.js';
import { openDatabase } from '../../db/client.js';
import { importLogFile } from '../../ingest/importFile.js';
import { captureIo } from '../../testing/captureIo.js';
import { run } from './import.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const fixtures = resolve(repoRoot, '../shared/fixtures/megatron-logs');
const validationLog = join(fixtures, 'bigscience-earlier/tr8-104B-2021-validation-7000-and-spike.log');
const exitLog = join(
  fixtures,
  'bigscience-earlier/tr1-13B-2021-08-08-checkpoint-save-exit-20h-and-watchdog-alerts.log',
);

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-import-'));
  dbPath = join(dir, 'db', 'trainboard.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function importCli(...argv: string[]) {
  const io = captureIo();
  const code = await run([...argv, '--db', dbPath], io);
  return { code, out: io.out(), err: io.err() };
}

function query<T>(sql: string): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const count = (table: string) => query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)[0]?.n;

// Real line shapes (tr11, megatron-log-format.md §2 and §6) with chosen values.
const iterationLine = (it: number, loss: number, seconds: number) =>
  `[default7]: iteration ${String(it).padStart(8)}/     100 | consumed samples: ${String(it * 16).padStart(12)} | elapsed time per iteration (s): ${seconds.toFixed(2)} | learning rate: 6.000E-05 | global batch size:    16 | lm loss: ${loss.toExponential(6).toUpperCase()} | grad norm: 0.133 | num zeros: 0.0 | number of skipped iterations:   0 | number of nan iterations:   0 | samples per second: 7.844 | TFLOPs: 120.12 |`;
const banner = (world: number, startTime: string, loadedAt: number | null) => [
  `[default0]:using world size: ${world}, data-parallel-size: ${world / 8}, tensor-model-parallel size: 4, pipeline-model-parallel size: 2 `,
  '[default0]:------------------------ arguments ------------------------',
  `[default0]:  global_batch_size ${'.'.repeat(31)} 16`,
  `[default0]:  world_size ${'.'.repeat(38)} ${world}`,
  '[default0]:-------------------- end of arguments ---------------------',
  '[default0]:setting training iterations to 100',
  ...(loadedAt === null ? [] : [`[default0]:  successfully loaded checkpoint from /ckpt at iteration ${loadedAt}`]),
  `[default0]:[before the start of training step] datetime: ${startTime} `,
];
const validationBlock = (it: number, loss: number) => {
  const text = `valid loss at iteration ${it} | lm loss value: ${loss.toExponential(6).toUpperCase()} | lm loss PPL: ${Math.exp(loss).toExponential(6).toUpperCase()} | `;
  return [
    `[default7]:${'-'.repeat(text.length + 1)}`,
    `[default7]:${text}`,
    `[default7]:${'-'.repeat(text.length + 1)}`,
  ];
};

/** One main_log.txt with two process starts: 1..5 then a crash, a resume from checkpoint 3, then 4..6. */
function restartedLog(): string {
  return (
    [
      ...banner(8, '2022-05-05 00:00:00', null),
      ...[1, 2, 3].map((i) => iterationLine(i, 10 + i, 10)),
      '[default0]:  successfully saved checkpoint at iteration       3 to /ckpt',
      iterationLine(4, 14, 10),
      ...validationBlock(4, 3.5),
      iterationLine(5, 15, 10),
      ...banner(16, '2022-05-05 01:00:00', 3),
      ...[4, 5, 6].map((i) => iterationLine(i, 20 + i, 5)),
    ].join('\n') + '\n'
  );
}

describe('trainboard import', () => {
  it('stores the rows of a real fixture with their values, and creates the database folder', async () => {
    const r = await importCli(validationLog, '--run', 'tr8-104B');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^imported .*tr8-104B-2021-validation-7000-and-spike\.log into run 'tr8-104B': 8 lines, .*; 3 iterations, 1 validation, 0 events; 1 unknown line\nincidents: loss_spike \(see the run's incidents panel, or trainboard detect FILE\)\n$/,
    );
    expect(
      query(
        'SELECT iteration, train_iters, consumed_samples, iteration_time_ms, lm_loss, loss_scale, grad_norm, segment, is_current, byte_offset, line FROM iterations ORDER BY id',
      ),
    ).toEqual([
      {
        iteration: 7000,
        train_iters: 159576,
        consumed_samples: 260912,
        iteration_time_ms: 18706.1,
        lm_loss: 6.444662,
        loss_scale: 2048,
        grad_norm: 98258.265,
        segment: 0,
        is_current: 1,
        byte_offset: 0,
        line: 1,
      },
      {
        iteration: 7010,
        train_iters: 159576,
        consumed_samples: 261872,
        iteration_time_ms: 19904,
        lm_loss: 11.42026,
        loss_scale: 2048,
        grad_norm: 219645.978,
        segment: 0,
        is_current: 1,
        byte_offset: 603,
        line: 5,
      },
      {
        iteration: 7220,
        train_iters: 159576,
        consumed_samples: 282032,
        iteration_time_ms: 18333.4,
        lm_loss: 7.155109,
        loss_scale: 2048,
        grad_norm: 16921.991,
        segment: 0,
        is_current: 1,
        byte_offset: 925,
        line: 7,
      },
    ]);
    expect(query('SELECT iteration, group_name, lm_loss, ppl, is_current FROM validations')).toEqual([
      { iteration: 7000, group_name: 'validation', lm_loss: 7.1742, ppl: 1305.315, is_current: 1 },
    ]);
    // No timestamped line at all: times stay unknown rather than invented.
    expect(query('SELECT count(*) AS n FROM iterations WHERE time_ms IS NOT NULL')).toEqual([{ n: 0 }]);
    expect(query('SELECT name, segment_count FROM runs')).toEqual([{ name: 'tr8-104B', segment_count: 0 }]);
  });

  it('adds nothing when the same file is imported twice, and says so', async () => {
    expect((await importCli(exitLog, '--run', 'tr1')).code).toBe(0);
    const before = query('SELECT * FROM events ORDER BY id');
    expect(before).toHaveLength(6);
    const again = await importCli(exitLog, '--run', 'tr1');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/nothing new \(all 1\.2 KiB already imported into run 'tr1'\)/);
    expect(query('SELECT * FROM events ORDER BY id')).toEqual(before);
    expect(count('iterations')).toBe(1);
  });

  it('imports only what was appended since the last import', async () => {
    const log = join(dir, 'main_log.txt');
    const lines = restartedLog().split('\n');
    writeFileSync(log, lines.slice(0, 12).join('\n') + '\n');
    await importCli(log, '--run', 'r');
    const first = count('iterations');
    appendFileSync(log, lines.slice(12).join('\n'));
    const r = await importCli(log, '--run', 'r', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ run: 'r', counts: { duplicates: 0 } });
    expect(first).toBeGreaterThan(0);
    expect(count('iterations')).toBe(8);
  });

  it('keeps superseded iterations of a restart queryable and the re-run ones current, with estimated times', async () => {
    const log = join(dir, 'main_log.txt');
    writeFileSync(log, restartedLog());
    expect((await importCli(log, '--run', 'r')).code).toBe(0);
    const t0 = Date.UTC(2022, 4, 5, 0, 0, 0);
    const t1 = Date.UTC(2022, 4, 5, 1, 0, 0);
    expect(
      query(
        'SELECT iteration, segment, lm_loss, time_ms, time_estimated FROM iterations WHERE is_current = 1 ORDER BY iteration',
      ),
    ).toEqual([
      { iteration: 1, segment: 1, lm_loss: 11, time_ms: t0 + 10_000, time_estimated: 1 },
      { iteration: 2, segment: 1, lm_loss: 12, time_ms: t0 + 20_000, time_estimated: 1 },
      { iteration: 3, segment: 1, lm_loss: 13, time_ms: t0 + 30_000, time_estimated: 1 },
      { iteration: 4, segment: 2, lm_loss: 24, time_ms: t1 + 5_000, time_estimated: 1 }, // resumed from checkpoint 3
      { iteration: 5, segment: 2, lm_loss: 25, time_ms: t1 + 10_000, time_estimated: 1 },
      { iteration: 6, segment: 2, lm_loss: 26, time_ms: t1 + 15_000, time_estimated: 1 },
    ]);
    expect(query('SELECT iteration, segment, lm_loss FROM iterations WHERE is_current = 0 ORDER BY iteration')).toEqual(
      [
        { iteration: 4, segment: 1, lm_loss: 14 },
        { iteration: 5, segment: 1, lm_loss: 15 },
      ],
    );
    expect(query('SELECT iteration, segment, is_current FROM validations')).toEqual([
      { iteration: 4, segment: 1, is_current: 0 },
    ]);
    expect(
      query(
        "SELECT segment, json_extract(payload, '$.config.worldSize') AS world FROM events WHERE type = 'run_start' ORDER BY byte_offset",
      ),
    ).toEqual([
      { segment: 1, world: 8 },
      { segment: 2, world: 16 },
    ]);
    expect(query("SELECT segment_count, json_extract(config, '$.worldSize') AS world FROM runs")).toEqual([
      { segment_count: 2, world: 16 },
    ]);
  });

  it('refuses a truncated file with a clear message and writes nothing; --restart imports it again', async () => {
    const log = join(dir, 'main_log.txt');
    writeFileSync(log, restartedLog());
    await importCli(log, '--run', 'r');
    const before = query('SELECT * FROM iterations ORDER BY id');
    truncateSync(log, 500);
    const r = await importCli(log, '--run', 'r');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /main_log\.txt was truncated since it was last imported \(the file has 500 bytes but \d+ were already imported\)/,
    );
    expect(r.err).toContain('--restart');
    expect(query('SELECT * FROM iterations ORDER BY id')).toEqual(before);
    const again = await importCli(log, '--run', 'r', '--restart');
    expect(again.code).toBe(0);
    expect(count('iterations')).toBe(0); // the first 500 bytes are the banner only
    expect(query('SELECT segment_count FROM runs')).toEqual([{ segment_count: 1 }]);
  });

  it('refuses to continue a file whose last imported line had no newline and has grown since', async () => {
    const log = join(dir, 'main_log.txt');
    const text = restartedLog();
    const cut = text.indexOf('lm loss: ', text.indexOf(' iteration        2/')) + 12; // mid-line, as a writer flushes
    writeFileSync(log, text.slice(0, cut));
    expect((await importCli(log, '--run', 'r')).code).toBe(0);
    appendFileSync(log, text.slice(cut));
    const r = await importCli(log, '--run', 'r');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `main_log.txt grew after an import that ended on a line without a newline (the line ending at byte ${cut} had no newline then)`,
    );
    const again = await importCli(log, '--run', 'r', '--restart');
    expect(again.code).toBe(0);
    expect(query('SELECT iteration, lm_loss FROM iterations WHERE iteration = 2')).toEqual([
      { iteration: 2, lm_loss: 12 },
    ]);
  });

  it('refuses a file replaced by another one at the same path', async () => {
    const log = join(dir, 'main_log.txt');
    copyFileSync(exitLog, log);
    await importCli(log, '--run', 'r');
    writeFileSync(`${log}.new`, restartedLog());
    renameSync(`${log}.new`, log); // another inode (both files existed at once), longer, other beginning
    const r = await importCli(log, '--run', 'r');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/main_log\.txt was replaced since it was last imported \(inode changed from \d+ to \d+\)/);
  });

  it('refuses a file rewritten in place with another beginning', async () => {
    const log = join(dir, 'main_log.txt');
    copyFileSync(exitLog, log);
    await importCli(log, '--run', 'r');
    writeFileSync(log, restartedLog()); // same inode, longer, different bytes
    const r = await importCli(log, '--run', 'r');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /was replaced since it was last imported \(its first 1218 bytes differ from the file imported before\)/,
    );
  });

  it.each([
    [['--run', 'r'], /missing FILE/],
    [[exitLog], /missing --run NAME/],
    [[exitLog, '--run', 'a b; rm -rf /'], /invalid run name "a b; rm -rf \/"/],
    [[exitLog, exitLog, '--run', 'r'], /exactly one FILE/],
    [[exitLog, '--run', 'r', '--frobnicate'], /Unknown option '--frobnicate'/],
  ])('exits 2 with the usage for %j', async (argv, message) => {
    const r = await importCli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('usage: trainboard import FILE --run NAME');
  });

  it('imports a log with a 200 MB line: killed inside it, resumed by the CLI, the line stored once as line_too_long', async () => {
    const log = join(dir, 'main_log.txt');
    const MiB = 1 << 20;
    const first = `${iterationLine(1, 5, 1)}\n`;
    const prefix = '[default3]:tensor([';
    writeFileSync(log, first + prefix);
    const filler = Buffer.alloc(8 * MiB, 0x37);
    for (let i = 0; i < 25; i++) appendFileSync(log, filler);
    const rest = `\n${iterationLine(2, 4.9, 1)}\n${iterationLine(3, 4.8, 1)}\n`;
    appendFileSync(log, `])${rest}`);
    const longLength = prefix.length + 200 * MiB + 2;
    const size = statSync(log).size;
    expect(size).toBe(Buffer.byteLength(first) + longLength + Buffer.byteLength(rest));

    // An import that dies once its committed cursor is 100 MB into the long line.
    const conn = openDatabase(dbPath);
    await expect(
      importLogFile({
        conn,
        runName: 'tr11',
        path: log,
        onProgress: (p) => {
          if (p.position > 100 * MiB) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const cursor = conn.sqlite.prepare('SELECT byte_offset AS o, line, ingest_state AS s FROM log_sources').get() as {
      o: number;
      line: number;
      s: string;
    };
    conn.close();
    // The cursor went on inside the line (it is not held back at its start), and the state says where it began.
    expect(cursor.o).toBeGreaterThan(100 * MiB);
    expect(cursor.o).toBeLessThan(Buffer.byteLength(first) + longLength);
    expect(cursor.line).toBe(2);
    expect((JSON.parse(cursor.s) as { parserContext: { longLine?: unknown } }).parserContext.longLine).toMatchObject({
      offset: Buffer.byteLength(first),
      line: 2,
    });
    expect(count('events')).toBe(0);

    const r = await importCli(log, '--run', 'tr11');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const events = query<{ type: string; byte_offset: number; line: number; message: string; payload: string }>(
      'SELECT type, byte_offset, line, message, payload FROM events',
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'line_too_long', byte_offset: Buffer.byteLength(first), line: 2 });
    expect(events[0]?.message).toBe(`${prefix}${'7'.repeat(160 - prefix.length)}`);
    expect(JSON.parse(events[0]?.payload ?? '{}')).toMatchObject({ length: longLength, limit: MiB, rank: 3 });
    expect(query('SELECT iteration, byte_offset AS o, line FROM iterations ORDER BY byte_offset')).toEqual([
      { iteration: 1, o: 0, line: 1 },
      { iteration: 2, o: Buffer.byteLength(first) + longLength + 1, line: 3 },
      { iteration: 3, o: size - Buffer.byteLength(`${iterationLine(3, 4.8, 1)}\n`), line: 4 },
    ]);
    expect(query('SELECT byte_offset AS o, line FROM log_sources')).toEqual([{ o: size, line: 5 }]);
  }, 120_000);

  it('shows progress on a terminal (stderr) and keeps stdout to the summary; nothing when stderr is not a terminal', async () => {
    const log = join(dir, 'main_log.txt');
    writeSyntheticLog(log, 100_000);
    const io = captureIo();
    (io.stderr as unknown as { isTTY: boolean }).isTTY = true;
    expect(await run([log, '--run', 'big', '--db', dbPath, '--json'], io)).toBe(0);
    const clearLine = '\r\x1b[2K';
    expect(io.err().startsWith(`${clearLine}importing: `)).toBe(true);
    expect(io.err()).toMatch(/importing: \d+\.\d% +[\d.]+ MiB \/ [\d.]+ MiB +[\d,]+ lines +[\d,]+ lines\/s/);
    expect(io.err().endsWith(clearLine)).toBe(true); // the progress line is cleared at the end
    expect(JSON.parse(io.out())).toMatchObject({ run: 'big', lines: 100_000, fromOffset: 0 });
    rmSync(dbPath);
    const quiet = await importCli(log, '--run', 'big');
    expect(quiet.err).toBe('');
  });

  it('exits 1 with a clear message for a missing file', async () => {
    const r = await importCli(join(dir, 'nope.log'), '--run', 'r');
    expect(r.code).toBe(1);
    expect(r.err).toBe(`trainboard import: cannot read ${join(dir, 'nope.log')}: no such file\n`);
    expect(r.out).toBe('');
  });
});
