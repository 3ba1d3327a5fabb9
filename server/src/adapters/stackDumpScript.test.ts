// The py-spy step's fixed script, run for real by sh: with a stand-in py-spy on PATH it finds this user's
// pretrain_gpt processes (never its own shell, whose command line holds the pattern), dumps each and says how
// py-spy exited; without py-spy it says so. parseStackDumpStep reads what it printed (srun's --label added here).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStackDumpStep, STACK_DUMP_SCRIPT } from '@trainboard/shared/slurm/stackDump';

const dir = mkdtempSync(join(tmpdir(), 'tb-stackdump-'));
const fakeTarget = join(dir, 'pretrain_gpt.py');
writeFileSync(fakeTarget, 'import time\ntime.sleep(30)\n');
const target = spawn('python3', [fakeTarget], { stdio: 'ignore' });
afterAll(() => {
  target.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return ''; // ended meanwhile
  }
}

function runScript(pathDirs: string[]): string {
  const r = spawnSync('sh', ['-c', STACK_DUMP_SCRIPT], {
    encoding: 'utf8',
    env: { PATH: [...pathDirs, '/usr/bin', '/bin'].join(':'), SLURMD_NODENAME: 'c9' },
  });
  return r.stdout
    .split('\n')
    .map((l) => (l ? `0: ${l}` : l))
    .join('\n');
}

describe('the py-spy step script', () => {
  it('dumps this user’s pretrain_gpt processes with py-spy and reports its exit status', async () => {
    await new Promise((r) => setTimeout(r, 200)); // the target is running
    const bin = join(dir, 'ok');
    const pySpy = join(bin, 'py-spy');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(pySpy, '#!/bin/sh\necho "Process $3: fake dump"\necho "    hang_forever (pretrain_gpt.py:731)"\n');
    chmodSync(pySpy, 0o755);
    const [node] = parseStackDumpStep(runScript([bin]));
    // Other tests' fake trainers (same user) may be found too; this shell never is.
    expect(node).toMatchObject({ node: 'c9', hasPySpy: true });
    expect(node!.pids).toContain(target.pid);
    expect(node!.dumped).toBe(node!.pids.length);
    for (const pid of node!.pids) expect(cmdline(pid)).not.toContain('TB-NODE');
    expect(node!.text).toContain(`Process ${target.pid}: fake dump\n    hang_forever (pretrain_gpt.py:731)\n`);
  });

  it('counts a refused attach as not dumped', () => {
    const bin = join(dir, 'refused');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'py-spy'), '#!/bin/sh\necho "Permission Denied"\nexit 1\n');
    chmodSync(join(bin, 'py-spy'), 0o755);
    const [node] = parseStackDumpStep(runScript([bin]));
    expect(node).toMatchObject({ hasPySpy: true, dumped: 0 });
    expect(node!.pids).toContain(target.pid);
  });

  it('says so where py-spy is missing', () => {
    expect(parseStackDumpStep(runScript([]))).toEqual([{ node: 'c9', hasPySpy: false, pids: [], dumped: 0, text: '' }]);
  });
});
