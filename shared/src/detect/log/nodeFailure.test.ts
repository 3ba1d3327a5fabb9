import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { banner, detectText, iterLines, kinds } from '../../testing/detectLog.js';

/** A real BigScience log beside the clone (../shared/fixtures/megatron-logs). */
const readRealFixture = (file: string): string =>
  readFileSync(new URL(`../../../../../shared/fixtures/megatron-logs/${file}`, import.meta.url), 'utf8');

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const c11 = readFileSync(join(repoRoot, 'tests/fixtures/logs/constructed/c11-torchelastic-summary.log'), 'utf8');
/** Constructed C11: a GPU abort's torchelastic summary, its Root Cause on `host`, then srun's task exit. */
const rootCause = (host: string) => c11.replaceAll('jean-zay-iam21', host);
const jobStart = (id: number) => `TRAINBOARD JOB START id=${id} nodes=jean-zay-iam[01-48] time=1765000000\n`;

describe('node failure detector (F9, F2)', () => {
  it('names the failed node of the real M4 node failure, not the banner’s ON <node>', () => {
    const incidents = detectText(readRealFixture('jz-m4-2023/m4-2023-03-06-node-failure-iam37-step-cancelled.log'));
    expect(kinds(incidents)).toEqual(['node_failure']);
    expect(incidents[0]).toMatchObject({
      severity: 'critical',
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['jean-zay-iam37'] },
      details: { repeat: false },
    });
  });

  it('F2: a start-up failure after a restart on the node an earlier failure named is a repeat node failure', () => {
    const text =
      jobStart(1) +
      banner(384, 8, 4, 12) +
      iterLines(100, 102) +
      rootCause('jean-zay-iam21') +
      jobStart(2) +
      banner(384, 8, 4, 12) +
      rootCause('jean-zay-iam21');
    const incidents = detectText(text);
    // The first crash is a crash; the second, on the same node, is reported once, as the repeat.
    expect(kinds(incidents)).toEqual(['crash', 'restart', 'node_failure']);
    expect(incidents[2]).toMatchObject({
      details: { repeat: true, nodes: 'jean-zay-iam21' },
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['jean-zay-iam21'] },
    });
  });

  it('no repeat when the restarted job fails on another node', () => {
    const text =
      jobStart(1) + iterLines(100, 102) + rootCause('jean-zay-iam21') + jobStart(2) + rootCause('jean-zay-iam30');
    expect(kinds(detectText(text))).toEqual(['crash', 'restart', 'crash']);
  });
});
