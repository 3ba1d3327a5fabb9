import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { banner, detectText, iterLines, kinds, savedLine } from '../../testing/detectLog.js';

/** A real BigScience log beside the clone (../shared/fixtures/megatron-logs). */
const fixture = (file: string): string =>
  readFileSync(new URL(`../../../../../shared/fixtures/megatron-logs/${file}`, import.meta.url), 'utf8');
/** A constructed log of ours (tests/fixtures/logs/constructed, see its README). */
const constructed = (file: string): string =>
  readFileSync(new URL(`../../../../tests/fixtures/logs/constructed/${file}`, import.meta.url), 'utf8');

describe('crash detector (F1)', () => {
  it('names the first specific failure kind of a real GPU crash (tr11, CUDA unknown error)', () => {
    const incidents = detectText(fixture('tr11-176B/gpu-crash-cuda-unknown-error-2022-03-21.log'));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      kind: 'crash',
      failureKind: 'cuda_error',
      severity: 'critical',
      offset: 0,
      suggestedAction: { kind: 'resubmit' },
    });
    // A failing GPU: the action says to leave its node out even when the log does not name it.
    expect(incidents[0]?.suggestedAction?.text).toContain('without it');
  });

  it('counts the work since the last completed save and makes one incident of every rank’s traceback', () => {
    const text =
      iterLines(600, 600) +
      savedLine(600) +
      iterLines(601, 640) +
      '[default3]:RuntimeError: CUDA error: an illegal memory access was encountered\n' +
      '[default5]:RuntimeError: CUDA error: an illegal memory access was encountered\n' +
      'srun: error: jean-zay-iam12: task 3: Exited with exit code 1\n';
    const incidents = detectText(text);
    expect(kinds(incidents)).toEqual(['crash']);
    expect(incidents[0]).toMatchObject({ failureKind: 'cuda_error', iteration: 640, workLostIterations: 40 });
    expect(incidents[0]?.suggestedAction?.text).toContain('iteration 600');
    expect(incidents[0]?.evidence.length).toBeGreaterThan(1);
  });

  it('a later specific error upgrades a generic first one (teardown order varies)', () => {
    const text =
      iterLines(1, 3) +
      'srun: error: jean-zay-iam12: task 3: Exited with exit code 1\n' +
      '[default3]:RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB\n';
    const [crash] = detectText(text);
    expect(crash).toMatchObject({ kind: 'crash', failureKind: 'out_of_memory', severity: 'critical' });
  });

  it('shutdown noise after a clean exit is not a crash', () => {
    const text =
      iterLines(1, 3) +
      '[default0]:[exiting program after 5990.1 minutes] datetime: 2022-05-09 10:00:00 \n' +
      '[default3]:RuntimeError: CUDA error: driver shutting down\n';
    expect(kinds(detectText(text))).toEqual(['time_limit']);
  });

  it("srun's step-abort notice alone (a job cancelled from outside, e.g. after a hang) is not a crash", () => {
    const aborted = 'srun: Job step aborted: Waiting up to 7 seconds for job step to finish.\n';
    expect(kinds(detectText(iterLines(1, 20) + aborted))).toEqual([]);
    // A task that failed first still is: srun names it before the notice.
    const crashed = iterLines(1, 20) + 'srun: error: c3: task 0: Exited with exit code 1\n' + aborted;
    expect(kinds(detectText(crashed))).toEqual(['crash']);
  });

  it('crashes in two segments are two incidents; the first is resolved by the restart', () => {
    const crash = '[default3]:RuntimeError: CUDA error: unknown error\n';
    const jobStart = 'TRAINBOARD JOB START id=2 nodes=c[1-2] time=1765000000\n';
    const text = iterLines(1, 3) + crash + jobStart + banner(8, 8, 1, 1, 2) + iterLines(3, 6) + crash;
    const incidents = detectText(text).filter((i) => i.kind === 'crash');
    expect(incidents).toHaveLength(2);
    expect(incidents[0]?.resolvedAtMs).not.toBeNull();
    expect(incidents[1]?.resolvedAtMs).toBeNull();
  });
});

describe('crash detector: a peer’s start-up failure interleaved with rank 0’s banner (F2, 2-node job)', () => {
  // The fake trainer's output for a 2-node job whose second node is bad: every node prints `[default0]:`, the bad
  // node's ECC traceback is one write, the healthy node's banner a few (the world-size line, the arguments dump,
  // then one line each), and where the traceback lands among them depends on timing.
  const lines = constructed('c16-peer-ecc-before-banner.log').trimEnd().split('\n');
  const traceback = lines.slice(0, 8);
  const healthy = lines.slice(8, -2);
  const srunExits = lines.slice(-2);
  const dumpEnd = healthy.findIndex((l) => l.includes('end of arguments'));
  const writes = [healthy.slice(0, 1), healthy.slice(1, dumpEnd + 1), ...healthy.slice(dumpEnd + 1).map((l) => [l])];
  const withTracebackAt = (at: number) =>
    [...writes.slice(0, at), traceback, ...writes.slice(at), srunExits].flat().join('\n') + '\n';
  const marker = 'TRAINBOARD JOB START id=7 nodes=c[1-2] time=1765000000\n';

  it('the fixtures are two of these interleavings (before the banner; inside it, after the world-size line)', () => {
    expect(withTracebackAt(0)).toBe(constructed('c16-peer-ecc-before-banner.log'));
    expect(withTracebackAt(1)).toBe(constructed('c16-peer-ecc-inside-banner.log'));
  });

  for (let at = 0; at <= writes.length; at++) {
    for (const head of ['', marker]) {
      it(`one crash named by the ECC error, no restart: traceback after write ${at}${head ? ', job marker' : ''}`, () => {
        const incidents = detectText(head + withTracebackAt(at));
        expect(incidents.map((i) => [i.kind, i.failureKind])).toEqual([['crash', 'ecc_error']]);
        const tracebackOffset = head.length + writes.slice(0, at).flat().join('\n').length + (at === 0 ? 0 : 1);
        expect(incidents[0]).toMatchObject({ severity: 'critical', resolvedAtMs: null, offset: tracebackOffset });
        expect(incidents[0]?.evidence.map((e) => e.line)).toContain(lines.length + (head ? 1 : 0) - 1);
      });
    }
  }

  it('a failure before the banner of a start that then trains is resolved at its first iteration', () => {
    const text = marker + traceback.join('\n') + '\n' + banner(8, 8, 1, 1) + iterLines(1, 3);
    const incidents = detectText(text);
    expect(incidents.map((i) => [i.kind, i.failureKind])).toEqual([['crash', 'ecc_error']]);
    expect(incidents[0]?.resolvedAtMs).not.toBeNull();
  });

  it('a start-up crash ended by srun, then a new banner, is still a crash and a restart', () => {
    const text = banner(8, 8, 1, 1) + traceback.join('\n') + '\n' + srunExits.join('\n') + '\n';
    const incidents = detectText(text + banner(8, 8, 1, 1) + iterLines(1, 3));
    expect(kinds(incidents)).toEqual(['crash', 'restart']);
    expect(incidents[0]).toMatchObject({ failureKind: 'ecc_error' });
    expect(incidents[0]?.resolvedAtMs).not.toBeNull();
  });
});
