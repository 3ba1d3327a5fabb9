import { describe, expect, it } from 'vitest';
import {
  jobStepsArgv,
  parseStackDumpStep,
  signalStepsArgv,
  signallableSteps,
  STACK_DUMP_SCRIPT,
  stackDumpFileName,
  stackDumpStepArgv,
  stackDumpText,
  STACK_DUMP_TOTAL_BYTES,
  storeStackDumpArgv,
} from './stackDump.js';
import { InvalidSubmitSpecError } from './submit.js';

const HOSTILE = ['41; rm -rf ~', '$(id)', '41 42', '`x`', '', '-1', '41\n42', '../41'];

describe('stack dump commands (F3)', () => {
  it('py-spy runs in one overlapping step, one task per node, the script fixed', () => {
    expect(stackDumpStepArgv('41', 2)).toEqual([
      'srun',
      '--jobid=41',
      '--overlap',
      '--nodes=2',
      '--ntasks-per-node=1',
      '--label',
      '--quiet',
      'sh',
      '-c',
      STACK_DUMP_SCRIPT,
    ]);
    // The pattern cannot match the step's own command line (which holds the text "[p]retrain_gpt").
    expect(STACK_DUMP_SCRIPT).toContain('pgrep -u "$(id -u)" -f \'[p]retrain_gpt\'');
    expect(() => stackDumpStepArgv('41', 0)).toThrow(RangeError);
  });

  it('lists the job steps, and finds the numbered ones a signal reaches', () => {
    expect(jobStepsArgv('41')).toEqual(['squeue', '-s', '-j', '41', '-h', '-o', '%i']);
    expect(signallableSteps('41', '41.batch\n41.extern\n41.0\n 41.12 \n410.1\n')).toEqual(['41.0', '41.12']);
    expect(signallableSteps('41', '41.batch\n41.extern\n')).toEqual([]);
    expect(signallableSteps('7_3', '7_3.0\n7_3.batch\n')).toEqual(['7_3.0']);
    for (const bad of HOSTILE) expect(() => jobStepsArgv(bad)).toThrow(InvalidSubmitSpecError);
  });

  it('signals the steps only (no --batch / --full), with a validated id', () => {
    expect(signalStepsArgv('41')).toEqual(['scancel', '--signal=USR1', '41']);
    expect(signalStepsArgv('7_3')).toEqual(['scancel', '--signal=USR1', '7_3']);
  });

  it.each(HOSTILE)('rejects the hostile job id %j before anything is built', (id) => {
    expect(() => signalStepsArgv(id)).toThrow(InvalidSubmitSpecError);
    expect(() => stackDumpStepArgv(id, 1)).toThrow(InvalidSubmitSpecError);
    expect(() => stackDumpFileName(id, 0)).toThrow(InvalidSubmitSpecError);
  });

  it('stores under a name made of the id and the time only', () => {
    const name = stackDumpFileName('41', Date.UTC(2026, 11, 6, 22, 15, 0, 123));
    expect(name).toBe('41-20261206T221500Z.txt');
    const argv = storeStackDumpArgv(name);
    // The file name and the number kept are arguments, never pasted into the script.
    expect([argv[0], argv[1], argv[3], argv[4], argv[5]]).toEqual(['sh', '-c', 'sh', name, '50']);
    expect(argv[2]).not.toContain(name);
    expect(argv[2]).toContain('cat > "$1"');
    for (const bad of ['../x.txt', 'a b.txt', '41-2026.txt; rm', '/etc/passwd']) {
      expect(() => storeStackDumpArgv(bad)).toThrow(RangeError);
    }
  });

  it('reads the labelled step output per node: py-spy or not, pids, and the dump text', () => {
    const out = [
      '0: TB-NODE c1',
      '1: TB-NODE c2',
      '0: TB-PID 1234',
      '1: TB-NO-PYSPY',
      '0: Process 1234: python3 -u pretrain_gpt.py',
      '0: Thread 1234 (idle): "MainThread"',
      '0:     hang_forever (pretrain_gpt.py:731)',
      '0: TB-RC 0',
      'srun: some note',
      '0: TB-PID 1240',
      '0:     barrier (distributed_c10d.py:2709)',
      '0: TB-RC 0',
      '0: TB-PID 1250',
      '0: Permission Denied: try running again with elevated permissions',
      '0: TB-RC 1',
    ].join('\n');
    const nodes = parseStackDumpStep(out);
    expect(nodes.map((n) => [n.node, n.hasPySpy, n.pids, n.dumped])).toEqual([
      ['c1', true, [1234, 1240, 1250], 2],
      ['c2', false, [], 0],
    ]);
    expect(nodes[0]!.text).toBe(
      '--- c1 pid 1234\nProcess 1234: python3 -u pretrain_gpt.py\nThread 1234 (idle): "MainThread"\n' +
        '    hang_forever (pretrain_gpt.py:731)\n--- c1 pid 1240\n    barrier (distributed_c10d.py:2709)\n' +
        '--- c1 pid 1250\nPermission Denied: try running again with elevated permissions\n',
    );
    expect(parseStackDumpStep('')).toEqual([]);
  });

  it('bounds the stored text', () => {
    const big = [{ node: 'c1', hasPySpy: true, pids: [1], dumped: 1, text: 'x'.repeat(STACK_DUMP_TOTAL_BYTES * 2) }];
    const text = stackDumpText('41', big, '2026-12-06T22:15:00.000Z');
    expect(text.length).toBeLessThan(STACK_DUMP_TOTAL_BYTES + 20);
    expect(text.endsWith('[cut]\n')).toBe(true);
  });
});
