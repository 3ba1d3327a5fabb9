import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { faulthandlerDump } from '@trainboard/shared/testing/stackDump';
import { captureIo } from '../../testing/captureIo.js';
import { run } from './detect.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const fixtures = resolve(repoRoot, '../shared/fixtures/megatron-logs');
const bin = join(repoRoot, 'server/bin/trainboard.mjs');
const gpuCrash = join(fixtures, 'tr11-176B/gpu-crash-cuda-unknown-error-2022-03-21.log');
const evalHang = join(fixtures, 'tr11-176B/eval-hang-45000-with-pulse-2022-05-01.log');
const quiet = join(fixtures, 'tr11-176B/iter-12695-full-gbs-2022-03-18.log');
const tmp = mkdtempSync(join(tmpdir(), 'trainboard-detect-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('trainboard detect', () => {
  it('--json prints one incident per line with kind, severity, iteration, offset, failureKind and the line', async () => {
    const io = captureIo();
    expect(await run(['--json', gpuCrash], io)).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const incident = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(incident).toMatchObject({
      kind: 'crash',
      severity: 'critical',
      iteration: null,
      offset: 0,
      failureKind: 'cuda_error',
      workLostIterations: null,
      suggestedAction: { kind: 'resubmit' },
    });
    expect(incident.title).toContain('CUDA error: unknown error');
    expect((incident.evidence as { text: string }[])[0]?.text).toBe(
      "[default3]:terminate called after throwing an instance of 'c10::CUDAError'",
    );
  });

  it('takes a faulthandler stack dump in a hung log as text: still one open hang, no crash', async () => {
    const file = join(tmp, 'hang-with-dump.log');
    writeFileSync(file, readFileSync(evalHang, 'utf8') + faulthandlerDump('[default7]:') + faulthandlerDump());
    const io = captureIo();
    expect(await run(['--json', file], io)).toBe(0);
    const incidents = io
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; resolvedAtMs: number | null });
    expect(incidents.map((i) => [i.kind, i.resolvedAtMs])).toEqual([['hang', null]]);
  });

  it('prints a readable summary, and "no incidents" for a quiet log', async () => {
    const io = captureIo();
    expect(await run([evalHang], io)).toBe(0);
    expect(io.out()).toMatch(/^1 incident\n {2}\[critical\] hang at iteration 45000, offset 479: No progress/);
    expect(io.out()).toContain('action: Dump the stacks');
    expect(io.out()).toContain('evidence: [default7]:valid loss at iteration 45000');
    const none = captureIo();
    expect(await run([quiet], none)).toBe(0);
    expect(none.out()).toBe('no incidents\n');
  });

  it('exits 1 with a clear message for a missing file or a directory, 2 without a file', async () => {
    const missing = captureIo();
    expect(await run(['no-such.log'], missing)).toBe(1);
    expect(missing.err()).toBe('trainboard detect: cannot read no-such.log: no such file\n');
    const dir = captureIo();
    expect(await run([fixtures], dir)).toBe(1);
    expect(dir.err()).toContain('is a directory');
    const usage = captureIo();
    expect(await run([], usage)).toBe(2);
    expect(usage.err()).toContain('usage: trainboard detect FILE [--json]');
  });

  it('works through the real binary on a 200 MB line with a 96 MB heap, and finds the crash after it', () => {
    const file = join(tmp, 'long-line.log');
    const fd = openSync(file, 'w');
    const block = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < 200; i++) writeSync(fd, block);
    writeSync(fd, '\n[default3]:RuntimeError: CUDA error: unknown error\n');
    closeSync(fd);
    const r = spawnSync(process.execPath, ['--max-old-space-size=96', bin, 'detect', '--json', file], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [crash] = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; offset: number });
    expect(crash).toMatchObject({ kind: 'crash', failureKind: 'cuda_error', offset: 200 * (1 << 20) + 1 });
  }, 60_000);
});
