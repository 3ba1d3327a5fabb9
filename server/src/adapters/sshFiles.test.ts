import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalShell } from './localShell.js';
import { remoteFiles } from './sshFiles.js';
import type { ExecOptions, Shell } from './shell.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssh-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Records every argv it runs. */
class RecordingShell implements Shell {
  readonly target = 'local';
  readonly calls: { argv: readonly string[]; stdin?: string }[] = [];
  private readonly inner = new LocalShell();
  exec(argv: readonly string[], options: ExecOptions = {}) {
    this.calls.push({ argv, ...(options.stdin === undefined ? {} : { stdin: options.stdin }) });
    return this.inner.exec(argv, options);
  }
  close() {
    return Promise.resolve();
  }
}

describe('remote file helpers', () => {
  it('create folders and files with hostile names literally, content on stdin', async () => {
    const shell = new RecordingShell();
    const files = remoteFiles(shell);
    const folder = join(dir, `run $(touch ${dir}/CANARY) ';touch x' -rf ünï`);
    const file = join(folder, '-n script.sh');
    await files.mkdirp(folder);
    await files.writeFile(file, '#!/bin/bash\necho "$(hostname)" `id`\n', 0o750);
    expect(readFileSync(file, 'utf8')).toBe('#!/bin/bash\necho "$(hostname)" `id`\n');
    expect(statSync(file).mode & 0o777).toBe(0o750);
    await files.touch(join(folder, 'kill-switch'));
    expect(existsSync(join(folder, 'kill-switch'))).toBe(true);
    await files.remove(join(folder, 'kill-switch'));
    await files.remove(join(folder, 'kill-switch')); // already gone: still fine
    expect(existsSync(join(folder, 'kill-switch'))).toBe(false);
    expect(existsSync(join(dir, 'CANARY'))).toBe(false);
    expect(shell.calls.map((c) => c.argv[0])).toEqual(['mkdir', 'dd', 'chmod', 'touch', 'rm', 'rm']);
    expect(shell.calls.every((c) => !c.argv.some((a) => a.includes('#!/bin/bash')))).toBe(true);
  });

  it('refuses relative paths, `..` and control characters before running anything', async () => {
    const shell = new RecordingShell();
    const files = remoteFiles(shell);
    for (const path of ['relative/x', '-rf', `${dir}/../etc`, `${dir}/a\nb`])
      await expect(files.touch(path), path).rejects.toThrow(/remote path/);
    expect(shell.calls).toEqual([]);
  });

  it('fails with the command when the cluster refuses', async () => {
    await expect(remoteFiles(new LocalShell()).writeFile(join(dir, 'no/such/dir/f'), 'x')).rejects.toThrow(/dd failed/);
  });
});
