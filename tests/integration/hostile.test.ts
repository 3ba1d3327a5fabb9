// Hostile values end to end through the real sshd and the real Slurm: rejected with a clear error, or passed
// literally, never executed. A canary file proves nothing ran.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidSubmitSpecError } from '@trainboard/shared/slurm/submit';
import { UnquotableError } from '@trainboard/shared/slurm/quote';
import { isTerminalState } from '@trainboard/shared/slurm/types';
import { SlurmBackend } from '../../server/src/adapters/slurmBackend.js';
import type { ExecOptions, Shell } from '../../server/src/adapters/shell.js';
import { backend, devCluster, watchJob } from './cluster.js';

const c = devCluster();
const { shell, slurm } = backend(c);
const runDir = `${c.jobsDir}/hostile-${process.pid}-${Date.now()}`;
const canary = `${runDir}/CANARY`;

const HOSTILE = [
  `; touch ${canary}`,
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `'; touch ${canary}; '`,
  `"; touch ${canary}; "`,
  `x\ntouch ${canary}`,
  `a && touch ${canary} || touch ${canary}`,
  `$(rm -rf ~)`,
  `; rm -rf ~`,
  '${HOME}',
  '*',
  '-rf',
  'ünïcødé ✓ 日本語',
  `> ${canary}`,
];

/** Counts commands so that a rejected value is shown to have sent nothing. */
class CountingShell implements Shell {
  commands = 0;
  constructor(private readonly inner: Shell) {}
  get target() {
    return this.inner.target;
  }
  exec(argv: readonly string[], options?: ExecOptions) {
    this.commands++;
    return this.inner.exec(argv, options);
  }
  close() {
    return Promise.resolve();
  }
}

async function canaryExists(): Promise<boolean> {
  return (await shell.exec(['test', '-e', canary])).code === 0 || existsSync(canary);
}

beforeAll(async () => {
  expect((await shell.exec(['mkdir', '-p', runDir])).code).toBe(0);
});

afterAll(async () => {
  expect(await canaryExists()).toBe(false);
  await slurm.close();
});

describe('hostile values over the real sshd', () => {
  it('pass through the transport literally as arguments', async () => {
    for (const value of HOSTILE) {
      const r = await shell.exec(['printf', '%s', value]);
      expect(r.stdout).toBe(value);
    }
    expect(await canaryExists()).toBe(false);
  });

  it('refuse NUL bytes before sending anything', async () => {
    await expect(shell.exec(['echo', 'a\0b'])).rejects.toThrow(UnquotableError);
  });

  it.each([
    ['name', HOSTILE],
    ['partition', HOSTILE],
    ['exclude', [...HOSTILE, 'c[1-2] c3']],
    ['nodelist', HOSTILE],
    ['dependency', [...HOSTILE, 'afterok:1 --wrap=id']],
    ['array', [...HOSTILE, '1-3%1;id']],
    ['account', HOSTILE],
    ['timeLimit', HOSTILE],
  ])('rejects every hostile %s with a clear error and sends no command', async (field, values) => {
    const counting = new CountingShell(shell);
    const guarded = new SlurmBackend(counting);
    for (const value of values) {
      const err = await guarded.submit({ script: '#!/bin/bash\ntrue\n', [field]: value }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidSubmitSpecError);
      expect((err as Error).message).toMatch(new RegExp(`^invalid job submission: ${field}: must be`));
    }
    expect(counting.commands).toBe(0);
  });

  it('rejects hostile job ids for status, cancel, history and resubmit without sending anything', async () => {
    const counting = new CountingShell(shell);
    const guarded = new SlurmBackend(counting);
    for (const id of [`1; touch ${canary}`, '$(id)', '1\n2', '-1', '1 2', '']) {
      await expect(guarded.status([id])).rejects.toThrow(InvalidSubmitSpecError);
      await expect(guarded.cancel([id])).rejects.toThrow(/job id/);
      await expect(guarded.history({ jobIds: [id] })).rejects.toThrow(/job id/);
      await expect(guarded.resubmit(id, {})).rejects.toThrow(/job id/);
    }
    await expect(guarded.history({ since: '2022-01-01; id' })).rejects.toThrow(/since: must look like/);
    expect(counting.commands).toBe(0);
  });

  it('passes hostile paths (--chdir, --output) to sbatch literally: the job runs in the directory so named', async () => {
    const dir = `${runDir}/d; touch ${canary} $(touch ${canary}) \`touch ${canary}\` 'q' "dq" ü`;
    expect((await shell.exec(['mkdir', '-p', dir])).code).toBe(0);
    const script = '#!/bin/bash\npwd\necho "$SLURM_JOB_NAME"\n';
    const { jobId } = await slurm.submit({
      script,
      name: 'hostile-paths',
      chdir: dir,
      output: `${dir}/out.txt`,
      exclude: 'c4',
    });
    const { job } = await watchJob(slurm, jobId, (j) => isTerminalState(j.state));
    expect(job.state).toBe('COMPLETED');
    const out = await shell.exec(['cat', `${dir}/out.txt`]);
    expect(out.stdout).toBe(`${dir}\nhostile-paths\n`);
    expect(await canaryExists()).toBe(false);
  });

  it('refuses control characters in paths with a clear error', async () => {
    await expect(slurm.submit({ script: '#!/bin/bash\n', output: `${runDir}/a\ntouch ${canary}` })).rejects.toThrow(
      /output: must not contain control characters/,
    );
  });

  it('sends the script on stdin, so its text is never parsed by the login shell', async () => {
    const script = `#!/bin/bash\n# $(touch ${canary}) \`touch ${canary}\`\necho 'it'"'"'s fine'\n`;
    const { jobId } = await slurm.submit({
      script,
      name: 'stdin-script',
      output: `${runDir}/%x-%j.out`,
      exclude: 'c4',
    });
    await watchJob(slurm, jobId, (j) => isTerminalState(j.state));
    expect((await shell.exec(['cat', `${runDir}/stdin-script-${jobId}.out`])).stdout).toBe("it's fine\n");
    expect(await canaryExists()).toBe(false);
  });
});
