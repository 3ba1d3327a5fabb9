// No false alarms: every real BigScience log beside the clone (../shared/fixtures/megatron-logs) replayed through
// every detector with its own timing. A fixture that shows a failure gives exactly the expected incidents; every
// other one gives none. Decisions (docs/ARCHITECTURE.md, "Detectors"):
// - a graceful exit at the duration limit is an info `time_limit` incident (resolved at once): the log shows it;
// - the py-spy dump step's `srun: error: <node>: task N: Exited with exit code 123` is srun tasks failing: a
//   warning-level crash/task_exit (nothing more specific is said);
// - the watchdog ALERT line alone is F10 (nothing running), which needs squeue: not a log detector, no incident;
// - no fixture holds a banner, so none restarts: restart/topology incidents never appear here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChunks } from '../testing/parseAll.js';
import { runDetectors } from './runDetectors.js';
import { FIXTURES, listFixtures } from '../testing/realFixtures.node.js';

/** fixture → the incidents it must give, as `kind[/failureKind]:severity`, in file order. */
const EXPECTED: Record<string, string[]> = {
  'bigscience-earlier/tr1-13B-2021-08-08-checkpoint-save-exit-20h-and-watchdog-alerts.log': ['time_limit:info'],
  'bigscience-earlier/tr1-13B-2021-08-12-restart-on-bad-node-cuda-oom.log': ['crash/out_of_memory:critical'],
  'bigscience-earlier/tr1-13B-2021-ecc-uncorrectable-crash.log': ['crash/ecc_error:critical'],
  'bigscience-earlier/tr1-13B-2021-lm-loss-spike-29020-29090-ms-format.log': ['loss_spike:warning'],
  'bigscience-earlier/tr8-104B-2021-divergence-9027-lm-loss-field-missing.log': ['divergence:critical'],
  'bigscience-earlier/tr8-104B-2021-spike-8738-8743.log': ['loss_spike:warning'],
  'bigscience-earlier/tr8-104B-2021-validation-7000-and-spike.log': ['loss_spike:warning'],
  'jz-m4-2023/m4-2023-03-06-node-failure-iam37-step-cancelled.log': ['node_failure/node_failure:critical'],
  'jz-m4-2023/m4-2023-pyspy-srun-overlap-terminated.log': ['crash/task_exit:warning'],
  'tr11-176B/eval-hang-45000-with-pulse-2022-05-01.log': ['hang:critical'],
  'tr11-176B/gpu-crash-cuda-unknown-error-2022-03-21.log': ['crash/cuda_error:critical'],
  'tr11-176B/throughput-drop-42780-42784-2022-04-28.wrapped.log': ['throughput_regression:warning'],
};

function replay(name: string): string[] {
  const { events, stats } = parseChunks(readFileSync(join(FIXTURES, name)));
  expect(stats.internalErrors).toBe(0);
  return runDetectors(events).map((i) => `${i.kind}${i.failureKind ? `/${i.failureKind}` : ''}:${i.severity}`);
}

describe('detectors over every real fixture (no false alarms)', () => {
  const names = listFixtures().sort();

  it('finds the fixtures, and every name in the table exists', () => {
    expect(names.length).toBeGreaterThan(30);
    for (const name of Object.keys(EXPECTED)) expect(names).toContain(name);
  });

  for (const name of names) {
    const expected = EXPECTED[name] ?? [];
    it(`${name}: ${expected.length === 0 ? 'no incident' : expected.join(', ')}`, () => {
      expect(replay(name)).toEqual(expected);
    });
  }
});
