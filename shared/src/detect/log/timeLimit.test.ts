import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectText, iterLines, kinds, savedLine } from '../../testing/detectLog.js';

/** A real BigScience log beside the clone (../shared/fixtures/megatron-logs). */
const readRealFixture = (file: string): string =>
  readFileSync(new URL(`../../../../../shared/fixtures/megatron-logs/${file}`, import.meta.url), 'utf8');

const constructed = (name: string) =>
  readFileSync(
    join(resolve(dirname(fileURLToPath(import.meta.url)), '../../../..'), 'tests/fixtures/logs/constructed', name),
    'utf8',
  );

describe('time limit detector (F8)', () => {
  it('the real tr1-13B 20 h exit is a graceful, resolved, info time limit (and the ALERTs after it end the job)', () => {
    const incidents = detectText(
      readRealFixture('bigscience-earlier/tr1-13B-2021-08-08-checkpoint-save-exit-20h-and-watchdog-alerts.log'),
    );
    expect(kinds(incidents)).toEqual(['time_limit']);
    expect(incidents[0]).toMatchObject({ severity: 'info', offset: 776, details: { graceful: true } });
    expect(incidents[0]?.resolvedAtMs).toBe(incidents[0]?.openedAtMs);
    // The exit line's own stamp is the clock: 2021-08-08 01:00:51 (site time read as UTC).
    expect(incidents[0]?.openedAtMs).toBe(Date.UTC(2021, 7, 8, 1, 0, 51));
  });

  it('Slurm’s DUE TO TIME LIMIT is a hard limit: a warning that counts the work since the save', () => {
    const text = iterLines(1, 1) + savedLine(1) + iterLines(2, 30) + constructed('c10-time-limit.log');
    const incidents = detectText(text);
    expect(kinds(incidents)).toEqual(['time_limit']);
    expect(incidents[0]).toMatchObject({
      severity: 'warning',
      failureKind: 'time_limit',
      workLostIterations: 29,
      details: { graceful: false },
    });
  });
});
