// The py-spy step's fixed script, run for real by sh: with a stand-in py-spy on PATH it finds this user's
// pretrain_gpt processes (never its own shell, whose command line holds the pattern), dumps each and says how
// py-spy exited; without py-spy it says so. parseStackDumpStep reads what it printed (srun's --label added here).
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseStackDumpStep,
  STACK_DUMP_SCRIPT,
  STACK_DUMPS_KEPT,
  storeStackDumpArgv,
} from '@trainboard/shared/slurm/stackDump';

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

describe('the stack dump store script', () => {
  it('writes the dump privately and keeps only the newest dumps, never a person’s own file', () => {
    const home = mkdtempSync(join(tmpdir(), 'tb-stackhome-'));
    try {
      const stacks = join(home, '.trainboard', 'stacks');
      spawnSync('mkdir', ['-p', stacks]);
      const old = (k: number) => `${100 + k}-20261201T0000${String(k).padStart(2, '0')}Z.txt`;
      for (let k = 0; k < STACK_DUMPS_KEPT + 5; k++) {
        writeFileSync(join(stacks, old(k)), 'old');
        const t = new Date(Date.UTC(2026, 11, 1, 0, 0, k));
        utimesSync(join(stacks, old(k)), t, t);
      }
      writeFileSync(join(stacks, 'my notes.txt'), 'mine');
      utimesSync(join(stacks, 'my notes.txt'), new Date(0), new Date(0));
      const name = '41-20261206T221500Z.txt';
      const [cmd, ...args] = storeStackDumpArgv(name);
      const r = spawnSync(cmd!, args, {
        input: 'the dump',
        encoding: 'utf8',
        env: { HOME: home, PATH: '/usr/bin:/bin' },
      });
      expect(r.status).toBe(0);
      expect(readFileSync(join(stacks, name), 'utf8')).toBe('the dump');
      expect(statSync(join(stacks, name)).mode & 0o077).toBe(0);
      const left = readdirSync(stacks).sort();
      expect(left).toHaveLength(STACK_DUMPS_KEPT + 1);
      expect(left).toContain('my notes.txt');
      // The oldest six dumps went (the new one is the newest of the 50 kept).
      for (let k = 0; k < 6; k++) expect(left).not.toContain(old(k));
      expect(left).toContain(old(6));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
