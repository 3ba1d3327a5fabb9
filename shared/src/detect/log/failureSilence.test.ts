import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectText, iterLines, kinds, runningPulse } from '../../testing/detectLog.js';

/** A real BigScience log beside the clone (../shared/fixtures/megatron-logs). */
const readRealFixture = (file: string): string =>
  readFileSync(new URL(`../../../../../shared/fixtures/megatron-logs/${file}`, import.meta.url), 'utf8');

const segfault = '[default3]:Fatal Python error: Segmentation fault\n';
const alert = '[2022-05-01 05:00:00] ***ALERT: tr11-176B-ml is not RUNNING or SCHEDULED! Alert someone at Eng WG***\n';

describe('failure silence detector (F4)', () => {
  it('a crash, then only PULSE lines saying RUNNING for an hour: the job did not end', () => {
    const text =
      runningPulse('2022-05-01 03:00:00') +
      iterLines(1, 10) +
      segfault +
      runningPulse('2022-05-01 04:00:00') +
      runningPulse('2022-05-01 05:00:00');
    const incidents = detectText(text);
    expect(kinds(incidents)).toEqual(['crash', 'failure_silence']);
    expect(incidents[1]).toMatchObject({
      severity: 'critical',
      failureKind: 'segfault',
      suggestedAction: { kind: 'cancel' },
      resolvedAtMs: null,
    });
  });

  it('after a clean exit it takes a PULSE that says RUNNING (tr11 #10: the job stayed up after the kill switch)', () => {
    const exit = '[default0]:[Detected kill switch at /x/kill-switch. Exiting] datetime: 2022-05-01 03:20:00 \n';
    const base = runningPulse('2022-05-01 03:00:00') + iterLines(1, 10) + exit;
    expect(kinds(detectText(base + runningPulse('2022-05-01 04:00:00')))).toEqual(['kill_switch', 'failure_silence']);
    expect(kinds(detectText(base + alert))).toEqual(['kill_switch']);
  });

  it('a crash the job ends after (watchdog ALERT), or at the end of the log, is only the crash', () => {
    const base = runningPulse('2022-05-01 03:00:00') + iterLines(1, 10) + segfault;
    expect(kinds(detectText(base + alert))).toEqual(['crash']);
    expect(kinds(detectText(base))).toEqual(['crash']);
    expect(kinds(detectText(readRealFixture('tr11-176B/gpu-crash-cuda-unknown-error-2022-03-21.log')))).toEqual([
      'crash',
    ]);
  });
});
