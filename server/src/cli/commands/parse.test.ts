import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../testing/captureIo.js';
import { run } from './parse.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const fixtures = resolve(repoRoot, '../shared/fixtures/megatron-logs');
const exitLog = join(
  fixtures,
  'bigscience-earlier/tr1-13B-2021-08-08-checkpoint-save-exit-20h-and-watchdog-alerts.log',
);
const validationLog = join(fixtures, 'bigscience-earlier/tr8-104B-2021-validation-7000-and-spike.log');

describe('trainboard parse', () => {
  it('--json prints one JSON object per event per line, in file order, with type, offset and line', async () => {
    const io = captureIo();
    expect(await run(['--json', exitLog], io)).toBe(0);
    const events = io
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => [e.type, e.offset, e.line])).toEqual([
      ['iteration', 0, 1],
      ['checkpoint_saved', 621, 5],
      ['timer', 738, 6],
      ['exit', 776, 7],
      ['pulse', 857, 8],
      ['pulse', 966, 9],
      ['pulse', 1075, 10],
    ]);
    expect(events[0]).toMatchObject({
      iteration: 33240,
      trainIters: 311541,
      consumedSamples: 15019344,
      iterationTimeMs: 23491.4,
      lmLoss: 2.722675,
      lossScale: 32768,
      globalBatchSize: 1024,
      samplesPerSecond: null,
    });
    expect(events[3]).toMatchObject({ reason: 'duration_limit', timestamp: Date.UTC(2021, 7, 8, 1, 0, 51) });
    expect(io.err()).toBe('');
  });

  it("--json over several files prints each file's events, offsets restarting at 0", async () => {
    const io = captureIo();
    expect(await run(['--json', validationLog, exitLog], io)).toBe(0);
    const events = io
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; offset: number });
    expect(events.map((e) => e.type)).toEqual([
      'iteration',
      'validation',
      'iteration',
      'iteration',
      'iteration',
      'checkpoint_saved',
      'timer',
      'exit',
      'pulse',
      'pulse',
      'pulse',
    ]);
    expect(events[1]).toMatchObject({ group: 'validation', iteration: 7000, lmLoss: 7.1742, ppl: 1305.315 });
    expect(events[4]?.offset).toBe(0);
  });

  it('--json into a slow reader leaves no listener behind on the output stream, however often it waits', async () => {
    // A reader that takes every write late: each batch of events meets backpressure and waits for 'drain'.
    // Waiting must not leave an 'error' listener per wait (12 files here: Node warns from 11 on).
    const received: Buffer[] = [];
    const stdout = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk);
        setImmediate(done);
      },
    });
    let waits = 0;
    stdout.on('newListener', (event) => {
      if (event === 'drain') waits++;
    });
    const io = { ...captureIo(), stdout };
    expect(await run(['--json', ...Array<string>(12).fill(exitLog)], io)).toBe(0);
    expect(waits).toBeGreaterThanOrEqual(12);
    expect(stdout.listenerCount('error')).toBe(0);
    expect(stdout.listenerCount('drain')).toBe(0);
    expect(Buffer.concat(received).toString('utf8').trimEnd().split('\n')).toHaveLength(12 * 7);
  });

  it('prints the human summary without --json', async () => {
    const io = captureIo();
    expect(await run([exitLog], io)).toBe(0);
    expect(io.out()).toMatch(/^last iteration: +33240$/m);
    expect(io.out()).toMatch(/^last loss: +2\.722675 \(iteration 33240\)$/m);
    expect(io.out()).toMatch(/^exits: +duration_limit 1$/m);
  });

  it('exits 1 with a clear message for a missing file, before printing anything', async () => {
    const io = captureIo();
    expect(await run(['--json', exitLog, '/nonexistent/main_log.txt'], io)).toBe(1);
    expect(io.err()).toBe('trainboard parse: cannot read /nonexistent/main_log.txt: no such file\n');
    expect(io.out()).toBe('');
  });

  it('exits 1 for a directory', async () => {
    const io = captureIo();
    expect(await run([fixtures], io)).toBe(1);
    expect(io.err()).toContain('not a regular file');
  });

  it.each([
    [[], /missing FILE/],
    [['--jsn', exitLog], /Unknown option '--jsn'/],
  ])('exits 2 with the usage for %j', async (argv, message) => {
    const io = captureIo();
    expect(await run(argv, io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.err()).toContain('usage: trainboard parse FILE... [--json]');
  });

  it('works through the real binary, keeping stdout to JSON lines only', () => {
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, 'server/bin/trainboard.mjs'), 'parse', '--json', validationLog],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type),
    ).toEqual(['iteration', 'validation', 'iteration', 'iteration']);
    const missing = spawnSync(process.execPath, [join(repoRoot, 'server/bin/trainboard.mjs'), 'parse', 'no-such.log'], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('cannot read no-such.log: no such file');
  });
});
