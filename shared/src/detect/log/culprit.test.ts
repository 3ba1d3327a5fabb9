// F2 on a small job: an ECC error at start-up names no node; the job's start marker or srun's exit line does.
import { describe, expect, it } from 'vitest';
import { banner, detectText, iterLines } from '../../testing/detectLog.js';

const start = (id: number, nodes: string) => `TRAINBOARD JOB START id=${id} nodes=${nodes} time=1765000000\n`;
/** The fake trainer's ECC text at start-up (rank 0), as it reaches the log. */
const ecc =
  '[default0]:> compiling and loading fused kernels ...\n' +
  '[default0]:Traceback (most recent call last):\n' +
  '[default0]:  File "/megatron/training.py", line 150, in pretrain\n' +
  '[default0]:RuntimeError: transform: failed to synchronize: cudaErrorECCUncorrectable: uncorrectable ECC error encountered\n' +
  "[default0]:terminate called after throwing an instance of 'c10::Error'\n" +
  '[default0]:  what():  CUDA error: uncorrectable ECC error encountered\n';
const exited = (node: string, task: number) => `srun: error: ${node}: task ${task}: Exited with exit code 1\n`;

describe('failure attribution to a node (F2)', () => {
  it("blames a 1-node job's node for an ECC error at start-up: the crash excludes it", () => {
    const [crash, ...rest] = detectText(start(1, 'c3') + banner(1, 1, 1, 1) + ecc + exited('c3', 0));
    expect(rest).toEqual([]);
    expect(crash).toMatchObject({
      kind: 'crash',
      failureKind: 'ecc_error',
      details: { duringStartup: true },
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c3'] },
    });
    expect(crash?.evidence[0]?.nodes).toEqual(['c3']);
  });

  it("a 2-node job's ECC error is blamed on the node of srun's `task N: Exited` line, not on both", () => {
    const [crash] = detectText(start(1, 'c[3-4]') + banner(2, 2, 1, 1) + ecc + exited('c4', 1));
    expect(crash).toMatchObject({
      kind: 'crash',
      failureKind: 'ecc_error',
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c4'] },
    });
  });

  it('the same 1-node job failing on the same node after a restart is F2: a repeat node failure naming it', () => {
    const text =
      start(1, 'c3') +
      banner(1, 1, 1, 1) +
      ecc +
      exited('c3', 0) +
      start(2, 'c3') +
      banner(1, 1, 1, 1) +
      ecc +
      exited('c3', 0);
    const incidents = detectText(text);
    const repeat = incidents.find((i) => i.kind === 'node_failure');
    expect(repeat).toMatchObject({
      details: { repeat: true },
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c3'] },
    });
    // Opened at the ECC text of the second job, not only at srun's exit line after it.
    expect(repeat?.evidence[0]?.text).toContain('ECC');
  });

  it('srun naming the node after a restart is a repeat too when the job has several nodes', () => {
    const text =
      start(1, 'c[3-4]') +
      banner(2, 2, 1, 1) +
      ecc +
      exited('c3', 0) +
      start(2, 'c[2-3]') +
      banner(2, 2, 1, 1) +
      ecc +
      exited('c3', 1);
    const repeat = detectText(text).find((i) => i.kind === 'node_failure');
    expect(repeat).toMatchObject({ details: { repeat: true }, suggestedAction: { nodes: ['c3'] } });
  });

  it("mid-run, a 1-node job's CUDA error is not blamed on its node by the crash (the text decides, as before)", () => {
    const midRun = ecc.split('\n').slice(1).join('\n'); // without the start-up line before it
    const text = start(1, 'c3') + banner(1, 1, 1, 1) + iterLines(1, 3) + midRun + exited('c3', 0);
    const crash = detectText(text).find((i) => i.kind === 'crash');
    expect(crash?.suggestedAction?.kind).toBe('resubmit');
  });

  it('a task exit on another node, or a job without a marker, blames nobody', () => {
    const noMarker = detectText(banner(2, 2, 1, 1) + ecc);
    expect(noMarker[0]?.suggestedAction?.kind).toBe('resubmit');
    const text = start(1, 'c[3-4]') + banner(2, 2, 1, 1) + iterLines(1, 2) + exited('c4', 1) + start(2, 'c[3-4]');
    expect(detectText(text).filter((i) => i.kind === 'node_failure')).toEqual([]);
  });
});
