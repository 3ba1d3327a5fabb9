// SlurmBackend's control operations on recorded Slurm 22.05 output (tests/fixtures/slurm), through a scripted
// Shell that answers by command and records every argv.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SlurmBackend } from './slurmBackend.js';
import type { ExecOptions, Shell, ShellResult } from './shell.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../tests/fixtures/slurm/22.05/${name}`, import.meta.url), 'utf8');

type Answer = Partial<ShellResult> | ((argv: readonly string[]) => Partial<ShellResult>);

class ScriptedShell implements Shell {
  readonly target = 'scripted';
  readonly calls: string[][] = [];
  constructor(private readonly answers: [RegExp, Answer][]) {}
  exec(argv: readonly string[], _options?: ExecOptions): Promise<ShellResult> {
    this.calls.push([...argv]);
    const line = argv.join(' ');
    const found = this.answers.find(([re]) => re.test(line));
    if (!found) return Promise.reject(new Error(`unexpected command: ${line}`));
    const a = typeof found[1] === 'function' ? found[1](argv) : found[1];
    return Promise.resolve({ stdout: '', stderr: '', code: 0, signal: null, ...a });
  }
  close() {
    return Promise.resolve();
  }
}

describe('SlurmBackend.lookupByNames', () => {
  it('reads squeue --name, and asks history only for the names squeue no longer knows', async () => {
    const shell = new ScriptedShell([
      [/^squeue .*--name=/, { stdout: fixture('squeue-mixed.txt') }],
      [/^sacct --allocations/, { code: 1, stderr: fixture('sacct-disabled.stderr.txt') }],
      [/^sacct --completion/, { stdout: fixture('sacct-jobcomp.txt') }],
    ]);
    const slurm = new SlurmBackend(shell);
    const found = await slurm.lookupByNames(['cancelme', 'fail', 'never'], '2026-11-27T00:00:00');
    expect(found.get('cancelme')?.map((j) => [j.id, j.state])).toEqual([['3', 'CANCELLED']]);
    expect(found.get('fail')).toMatchObject([{ id: '2', state: 'FAILED', exitCode: 3, nodes: ['c1'] }]);
    expect(found.get('never')).toEqual([]);
    expect(shell.calls[0]).toEqual([
      'squeue',
      '--noheader',
      '--states=all',
      '--name=cancelme,fail,never',
      '--format=%i|%A|%F|%K|%T|%r|%N|%P|%V|%S|%e|%M|%l|%D|%j',
    ]);
    const historyCall = shell.calls.find((c) => c[1] === '--completion' && !c.some((a) => a.startsWith('--jobs=')));
    expect(historyCall).toContain('--starttime=2026-11-27T00:00:00');
  });

  it('makes no history call when squeue knows every name', async () => {
    const shell = new ScriptedShell([
      [/^squeue .*--name=/, { stdout: fixture('squeue-mixed.txt') }],
      [/^sacct/, { code: 1, stderr: fixture('sacct-disabled.stderr.txt') }],
      [/^scontrol/, { stdout: '' }],
    ]);
    await new SlurmBackend(shell).lookupByNames(['ok']);
    expect(shell.calls.filter((c) => c[0] === 'sacct' && !c.some((a) => a.startsWith('--jobs=')))).toEqual([]);
  });
});

describe('SlurmBackend hold/release/updateExclude', () => {
  it('sends exactly the scontrol argv, nothing for an empty list, and fails on a refusal', async () => {
    const shell = new ScriptedShell([
      [/^scontrol release 99$/, { code: 1, stderr: 'Invalid job id specified' }],
      [/^scontrol /, {}],
    ]);
    const slurm = new SlurmBackend(shell);
    await slurm.hold(['12', '13']);
    await slurm.release(['12']);
    await slurm.updateExclude(['12', '13'], 'c[1-2]');
    await slurm.hold([]);
    expect(shell.calls).toEqual([
      ['scontrol', 'hold', '12,13'],
      ['scontrol', 'release', '12'],
      ['scontrol', 'update', 'JobId=12', 'ExcNodeList=c[1-2]'],
      ['scontrol', 'update', 'JobId=13', 'ExcNodeList=c[1-2]'],
    ]);
    await expect(slurm.release(['99'])).rejects.toThrow(/Invalid job id/);
  });
});

describe('SlurmBackend.stackDump (F3)', () => {
  const running =
    '41|41|41|N/A|RUNNING|None|c[1-2]|debug|2026-12-06T22:00:00|2026-12-06T22:00:01|N/A|10:00|UNLIMITED|2|tr\n';
  const at = Date.UTC(2026, 11, 6, 22, 15, 0);

  it('uses py-spy when every node has it, and stores the text on the cluster, not in the report', async () => {
    const step = [
      '0: TB-NODE c1',
      '1: TB-NODE c2',
      '0: TB-PID 11',
      '0: Thread 11 (idle)',
      '0: TB-RC 0',
      '1: TB-PID 12',
      '1: TB-RC 0',
      '',
    ].join('\n');
    const stored: string[] = [];
    const shell = new ScriptedShell([
      [/^squeue /, { stdout: running }],
      [/^srun --jobid=41 --overlap --nodes=2 /, { stdout: step }],
      [
        /^sh -c umask 077/,
        (argv) => {
          stored.push(argv.at(-2)!);
          return {};
        },
      ],
    ]);
    const report = await new SlurmBackend(shell).stackDump('41', at);
    expect(report).toMatchObject({ ok: true, method: 'py-spy' });
    expect(report.detail).toContain('2 process(es) on c1, c2');
    expect(report.detail).toContain('~/.trainboard/stacks/41-20261206T221500Z.txt');
    expect(report.detail).not.toContain('Thread 11');
    expect(stored).toEqual(['41-20261206T221500Z.txt']);
    expect(shell.calls.some((c) => c[0] === 'scancel')).toBe(false);
  });

  it('signals when py-spy is there but may not attach (ptrace refused) on a node', async () => {
    const step = ['0: TB-NODE c1', '1: TB-NODE c2', '0: TB-PID 11', '0: TB-RC 0', '1: TB-PID 12', '1: TB-RC 1', ''];
    const shell = new ScriptedShell([
      [/^squeue -s -j 41 /, { stdout: '41.batch\n41.extern\n41.0\n' }],
      [/^squeue /, { stdout: running }],
      [/^srun /, { stdout: step.join('\n') }],
      [/^scancel --signal=USR1 41$/, {}],
    ]);
    expect(await new SlurmBackend(shell).stackDump('41', at)).toMatchObject({ method: 'signal' });
    expect(shell.calls.some((c) => c[0] === 'sh')).toBe(false);
  });

  it('signals the steps with USR1 when a node lacks py-spy', async () => {
    const step = ['0: TB-NODE c1', '1: TB-NODE c2', '0: TB-PID 11', '1: TB-NO-PYSPY', ''].join('\n');
    const shell = new ScriptedShell([
      [/^squeue -s -j 41 /, { stdout: '41.batch\n41.extern\n41.0\n' }],
      [/^squeue /, { stdout: running }],
      [/^srun /, { stdout: step }],
      [/^scancel --signal=USR1 41$/, {}],
    ]);
    const report = await new SlurmBackend(shell).stackDump('41', at);
    expect(report).toEqual({
      ok: true,
      method: 'signal',
      detail: 'SIGUSR1 sent; stacks are in the log from 2026-12-06T22:15:00.000Z',
    });
    expect(shell.calls.at(-1)).toEqual(['scancel', '--signal=USR1', '41']);
  });

  it('signals when the py-spy step itself fails', async () => {
    const shell = new ScriptedShell([
      [/^squeue -s -j 41 /, { stdout: '41.batch\n41.extern\n41.0\n' }],
      [/^squeue /, { stdout: running }],
      [/^srun /, { code: 1, stderr: 'srun: error: Unable to create step' }],
      [/^scancel --signal=USR1 41$/, {}],
    ]);
    expect(await new SlurmBackend(shell).stackDump('41', at)).toMatchObject({ method: 'signal' });
  });

  it('reports "no step to signal" and ok:false when the job has no numbered step, sending no signal', async () => {
    const step = ['0: TB-NODE c1', '1: TB-NODE c2', '0: TB-PID 11', '1: TB-NO-PYSPY', ''].join('\n');
    const shell = new ScriptedShell([
      [/^squeue -s -j 41 /, { stdout: '41.batch\n41.extern\n' }],
      [/^squeue /, { stdout: running }],
      [/^srun /, { stdout: step }],
      [/^scancel --signal=USR1 41$/, {}],
    ]);
    expect(await new SlurmBackend(shell).stackDump('41', at)).toEqual({
      ok: false,
      method: 'none',
      detail: 'job 41 has no step to signal (no py-spy dump either)',
    });
    expect(shell.calls.some((c) => c[0] === 'scancel')).toBe(false);
  });

  it('does nothing for a job with no nodes, and rejects a hostile id before any command', async () => {
    const pending = '41|41|41|N/A|PENDING|Resources||debug|2026-12-06T22:00:00|N/A|N/A|0:00|UNLIMITED|2|tr\n';
    const shell = new ScriptedShell([
      [/^squeue /, { stdout: pending }],
      [/^sacct/, { code: 1, stderr: fixture('sacct-disabled.stderr.txt') }],
      [/^scontrol/, { stdout: '' }],
    ]);
    expect(await new SlurmBackend(shell).stackDump('41', at)).toMatchObject({ ok: false, method: 'none' });
    const none = new ScriptedShell([]);
    await expect(new SlurmBackend(none).stackDump('41; reboot', at)).rejects.toThrow();
    expect(none.calls).toEqual([]);
  });
});

describe('SlurmBackend.disks', () => {
  /** df and du as the tools answer: a line per operand that exists (here: not under /gone), exit 1 otherwise. */
  const tools = (duFails = false): [RegExp, Answer][] => [
    [
      /^df /,
      (argv) => {
        const ops = argv.slice(argv.indexOf('--') + 1);
        const ok = ops.filter((p) => !p.startsWith('/gone'));
        const lines = ok.map((p) => `${1000 + p.length} 600 ${400 - p.length} ${p}`);
        const stderr = ops.filter((p) => p.startsWith('/gone')).map((p) => `df: ${p}: No such file or directory`);
        return {
          stdout: ['1B-blocks Used Avail File', ...lines].join('\n'),
          stderr: stderr.join('\n'),
          code: stderr.length ? 1 : 0,
        };
      },
    ],
    [
      /^du /,
      (argv) => {
        if (duFails) throw new Error('timeout');
        const ops = argv.slice(argv.indexOf('--') + 1).filter((p) => !p.includes('missing'));
        return {
          stdout: ops.map((p) => `${p.length * 10}\t${p}`).join('\n'),
          code: ops.length === argv.length - 3 ? 0 : 1,
        };
      },
    ],
  ];

  it('one df and one du for many runs; a missing path is an Error in its place, the others read', async () => {
    const shell = new ScriptedShell(tools());
    const requests = [
      { path: '/ckpt/a b', folder: '/ckpt/a b/global_step1' },
      { path: '/gone/x', folder: '/gone/x/global_step1' },
      { path: "/ckpt/'q'", folder: null },
      { path: '/ckpt/a b', folder: '/ckpt/a b/missing' },
      { path: '/ckpt/bad\nname', folder: null },
    ];
    const out = await new SlurmBackend(shell).disks(requests);
    expect(shell.calls).toEqual([
      ['df', '-B1', '--output=size,used,avail,file', '--', '/ckpt/a b', '/gone/x', "/ckpt/'q'"],
      ['du', '-lsB1', '--', '/ckpt/a b/global_step1', '/ckpt/a b/missing'],
    ]);
    expect(out[0]).toEqual({ totalBytes: 1009, usedBytes: 600, availableBytes: 391, folderBytes: 220 });
    expect(out[1]).toBeInstanceOf(Error);
    expect((out[1] as Error).message).toContain('/gone/x: No such file');
    expect(out[2]).toEqual({ totalBytes: 1009, usedBytes: 600, availableBytes: 391, folderBytes: null });
    expect(out[3]).toMatchObject({ totalBytes: 1009, folderBytes: null });
    expect((out[4] as Error).name).toBe('InvalidClusterQueryError');
  });

  it('bounds each command: 64 paths per df, 16 folders per du; a du killed at its timeout leaves folders unknown', async () => {
    const requests = Array.from({ length: 70 }, (_, i) => ({ path: `/p/${i}`, folder: `/p/${i}/global_step1` }));
    const shell = new ScriptedShell(tools());
    const out = await new SlurmBackend(shell).disks(requests);
    expect(shell.calls.map((c) => [c[0], c.length - (c[0] === 'df' ? 4 : 3)])).toEqual([
      ['df', 64],
      ['df', 6],
      ...[16, 16, 16, 16, 6].map((n) => ['du', n]),
    ]);
    expect(out.every((r) => !(r instanceof Error) && r.folderBytes !== null)).toBe(true);
    const failing = await new SlurmBackend(new ScriptedShell(tools(true))).disks(requests.slice(0, 3));
    expect(failing.map((r) => (r as { folderBytes: number | null }).folderBytes)).toEqual([null, null, null]);
    // The budget covers the df and du commands of one read of 64 runs, each killed at its own timeout.
    expect(new SlurmBackend(shell).readBudgetsMs.disk).toBe(20_000 + 4 * 120_000 + 5_000);
  });

  it('df output of another shape fails the read (logged by the caller), never a wrong figure', async () => {
    const shell = new ScriptedShell([[/^df /, { stdout: 'Filesystem 1K-blocks Used\n/dev/x 1 2\n' }]]);
    await expect(new SlurmBackend(shell).disks([{ path: '/x', folder: null }])).rejects.toThrow(/df printed/);
  });
});
