// Parsers against output recorded from the real dev cluster (Slurm 22.05.8; scripts/dev-cluster-record-fixtures).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandHostlist } from './hostlist.js';
import { isAccountingDisabled, parseSacct } from './sacct.js';
import { parseSbatchParsable } from './sbatch.js';
import { parseSinfoNodes } from './sinfo.js';
import { parseScontrolJobs } from './scontrol.js';
import { isInvalidJobIdError, parseSqueue } from './squeue.js';
import { parseExitCode, parseSlurmDuration, parseSlurmTimestamp } from './time.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../tests/fixtures/slurm/22.05/${name}`, import.meta.url), 'utf8');

describe('parseSqueue (recorded)', () => {
  it('reads pending, running and finished jobs, array members and a name containing |', () => {
    const { jobs, rejected } = parseSqueue(fixture('squeue-mixed.txt'));
    expect(rejected).toEqual([]);
    expect(jobs).toHaveLength(9);
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(byId.get('2')).toMatchObject({
      state: 'FAILED',
      reason: 'NonZeroExitCode',
      nodes: ['c1'],
      name: 'fail',
      exitCode: null,
    });
    expect(byId.get('4_[2-3%1]')).toMatchObject({
      jobId: '4',
      arrayJobId: '4',
      arrayTaskId: '2-3%1',
      state: 'PENDING',
      reason: 'JobArrayTaskLimit',
      nodes: [],
      nodeList: null,
      startTime: null,
    });
    expect(byId.get('4_1')).toMatchObject({
      jobId: '9',
      arrayJobId: '4',
      arrayTaskId: '1',
      state: 'COMPLETED',
      elapsedSeconds: 3,
    });
    expect(byId.get('5')).toMatchObject({ state: 'PENDING', reason: 'Dependency', arrayJobId: null });
    expect(byId.get('6')?.name).toBe('name with | pipe');
    expect(byId.get('7')).toMatchObject({
      state: 'RUNNING',
      nodeList: 'c[2-3]',
      nodes: ['c2', 'c3'],
      nodeCount: 2,
      endTime: null,
      timeLimitSeconds: null,
      startTime: '2026-11-27T02:37:43',
      partition: 'debug',
      reason: null,
    });
  });

  it('reads NODE_FAIL after a node crash', () => {
    const { jobs } = parseSqueue(fixture('squeue-after-node-fail.txt'));
    expect(jobs.find((j) => j.id === '8')).toMatchObject({
      state: 'NODE_FAIL',
      reason: 'NodeDown',
      nodes: ['c4'],
      elapsedSeconds: 34,
    });
  });

  it('reports lines it cannot read instead of dropping them', () => {
    const { jobs, rejected } = parseSqueue('garbage\n12|12|12|N/A\n\n');
    expect(jobs).toEqual([]);
    expect(rejected).toEqual(['garbage', '12|12|12|N/A']);
  });

  it('recognises the unknown-job error', () => {
    expect(isInvalidJobIdError(fixture('squeue-unknown-id.stderr.txt'))).toBe(true);
    expect(fixture('squeue-unknown-id.stdout.txt')).toBe('');
  });
});

describe('parseSacct (recorded, jobcomp file)', () => {
  it('reads exit codes, NODE_FAIL and node lists; a name with a space breaks jobcomp/filetxt itself', () => {
    const { records, rejected } = parseSacct(fixture('sacct-jobcomp.txt'));
    expect(rejected).toEqual([]);
    const byId = new Map(records.map((r) => [r.id, r]));
    expect(byId.get('2')).toMatchObject({ state: 'FAILED', exitCode: 3, exitSignal: 0, nodes: ['c1'] });
    expect(byId.get('8')).toMatchObject({ state: 'NODE_FAIL', nodes: ['c4'], elapsedSeconds: 34 });
    expect(byId.get('7')).toMatchObject({ state: 'COMPLETED', nodes: ['c2', 'c3'], elapsedSeconds: 60 });
    // Slurm's filetxt writes space-separated key=value pairs, so `name with | pipe` lost its state and name.
    expect(byId.get('6')).toMatchObject({ state: '', name: 'name' });
  });

  it('reads real sacct from slurmdbd: array members as <array>_<task>, `CANCELLED by <uid>`, steps skipped', () => {
    const alloc = parseSacct(fixture('sacct-dbd-allocations.txt'));
    const all = parseSacct(fixture('sacct-dbd-with-steps.txt'));
    expect(alloc.rejected).toEqual([]);
    expect(all.rejected).toEqual([]);
    expect(all.records).toEqual(alloc.records);
    const byId = new Map(alloc.records.map((r) => [r.id, r]));
    expect(byId.get('2')).toMatchObject({ state: 'FAILED', exitCode: 3 });
    expect(byId.get('3')).toMatchObject({ state: 'CANCELLED', cancelledBy: '1001' });
    expect(byId.get('4_2')).toMatchObject({ state: 'COMPLETED', nodes: ['c2'], elapsedSeconds: 3 });
    expect(byId.get('6')?.name).toBe('name with | pipe');
    expect(byId.get('8')).toMatchObject({ state: 'NODE_FAIL', nodes: ['c4'] });
  });

  it('splits `CANCELLED by <uid>` and skips step records', () => {
    const { records } = parseSacct(
      '12|CANCELLED by 1001|0:15|2026-01-01T00:00:00|2026-01-01T00:01:00|00:01:00|c1|debug|x\n12.batch|CANCELLED|0:15|||00:01:00|c1||batch\n',
    );
    expect(records).toEqual([
      expect.objectContaining({ id: '12', state: 'CANCELLED', cancelledBy: '1001', exitSignal: 15 }),
    ]);
  });

  it('recognises a cluster without accounting', () => {
    expect(isAccountingDisabled(fixture('sacct-disabled.stderr.txt'))).toBe(true);
    expect(isAccountingDisabled('sacct: error: something else')).toBe(false);
  });
});

describe('parseSinfoNodes (recorded)', () => {
  it('reads idle and mixed nodes with their GPUs', () => {
    const { nodes, rejected } = parseSinfoNodes(fixture('sinfo-busy.txt'));
    expect(rejected).toEqual([]);
    expect(nodes.map((n) => [n.name, n.state, n.gpus, n.cpus, n.memoryMb])).toEqual([
      ['c1', 'idle', 8, 4, 4000],
      ['c2', 'mixed', 8, 4, 4000],
      ['c3', 'mixed', 8, 4, 4000],
      ['c4', 'mixed', 8, 4, 4000],
    ]);
  });

  it('reads a crashed node as down and not responding, with its reason', () => {
    const c4 = parseSinfoNodes(fixture('sinfo-node-down.txt')).nodes.find((n) => n.name === 'c4');
    expect(c4).toMatchObject({ state: 'down', rawState: 'down*', notResponding: true, reason: 'Not responding' });
  });

  it('lists a node in two partitions once', () => {
    expect(parseSinfoNodes('a1|idle|4|100|gpu:a100:8|none\na1|idle|4|100|gpu:a100:8|none\n').nodes).toHaveLength(1);
  });
});

describe('small parsers', () => {
  it('sbatch --parsable', () => {
    expect(parseSbatchParsable(fixture('sbatch-parsable.txt'))).toEqual({ jobId: '1', cluster: null });
    expect(parseSbatchParsable('1234;jeanzay\n')).toEqual({ jobId: '1234', cluster: 'jeanzay' });
    expect(
      parseSbatchParsable('sbatch: error: Batch job submission failed: Invalid partition name specified'),
    ).toBeNull();
  });

  it('hostlists', () => {
    expect(expandHostlist('jean-zay-iam[01-03,36],jean-zay-iam49')).toEqual([
      'jean-zay-iam01',
      'jean-zay-iam02',
      'jean-zay-iam03',
      'jean-zay-iam36',
      'jean-zay-iam49',
    ]);
    expect(expandHostlist('c[1-2]')).toEqual(['c1', 'c2']);
    expect(expandHostlist('')).toEqual([]);
    expect(expandHostlist('None assigned')).toEqual([]);
    expect(expandHostlist('odd[x-y]')).toEqual(['odd[x-y]']);
  });

  it('durations, timestamps and exit codes', () => {
    expect(parseSlurmDuration('1-07:27:33')).toBe(113253);
    expect(parseSlurmDuration('0:01')).toBe(1);
    expect(parseSlurmDuration('365-00:00:00')).toBe(31536000);
    expect(parseSlurmDuration('UNLIMITED')).toBeNull();
    expect(parseSlurmTimestamp('NONE')).toBeNull();
    expect(parseSlurmTimestamp('2026-11-27T02:37:43')).toBe('2026-11-27T02:37:43');
    expect(parseExitCode('0:15')).toEqual({ code: 0, signal: 15 });
    expect(parseExitCode('')).toEqual({ code: null, signal: null });
  });
});

describe('parseScontrolJobs (recorded)', () => {
  it('reads state, exit code and signal', () => {
    expect(parseScontrolJobs(fixture('scontrol-show-job-failed.txt'))).toEqual([
      { jobId: '14', state: 'FAILED', exitCode: 1, exitSignal: 0, restarts: 0 },
    ]);
    expect(parseScontrolJobs(fixture('scontrol-show-job-cancelled.txt'))).toMatchObject([
      { jobId: '15', state: 'CANCELLED', exitCode: 0, exitSignal: 15 },
    ]);
  });

  it('is not fooled by a job name that looks like fields', () => {
    const line =
      'JobId=9 JobName=x ExitCode=7:0 JobState=COMPLETED UserId=u(1) GroupId=g(1) JobState=FAILED Restarts=2 ExitCode=3:0 StdOut=/a ExitCode=9:9';
    expect(parseScontrolJobs(line)).toEqual([{ jobId: '9', state: 'FAILED', exitCode: 3, exitSignal: 0, restarts: 2 }]);
    expect(parseScontrolJobs('slurm_load_jobs error: Invalid job id specified')).toEqual([]);
  });
});
