// Small file operations on a cluster through any Shell (SSH or local), argv only: the path is always one argument
// after `--` (or inside dd's `of=` operand), and content travels on stdin, never in a command line.
import { absolutePath } from '@trainboard/shared/slurm/cluster';
import { CommandFailedError, type Shell } from './shell.js';

/** The file operations of one cluster, bound to its shell. */
export interface RemoteFiles {
  mkdirp(path: string): Promise<void>;
  writeFile(path: string, content: string, mode?: number): Promise<void>;
  touch(path: string): Promise<void>;
  remove(path: string): Promise<void>;
}

function checked(path: string): string {
  const r = absolutePath.safeParse(path);
  if (!r.success) throw new Error(`remote path ${JSON.stringify(path)}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return path;
}

async function ok(shell: Shell, argv: string[], stdin?: string): Promise<void> {
  const r = await shell.exec(argv, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new CommandFailedError(argv, r);
}

export const sshFiles = {
  mkdirp: async (shell: Shell, path: string) => ok(shell, ['mkdir', '-p', '--', checked(path)]),
  async writeFile(shell: Shell, path: string, content: string, mode?: number): Promise<void> {
    const file = checked(path);
    await ok(shell, ['dd', `of=${file}`, 'status=none'], content);
    if (mode !== undefined) await ok(shell, ['chmod', (mode & 0o7777).toString(8), '--', file]);
  },
  touch: async (shell: Shell, path: string) => ok(shell, ['touch', '--', checked(path)]),
  remove: async (shell: Shell, path: string) => ok(shell, ['rm', '-f', '--', checked(path)]),
};

export function remoteFiles(shell: Shell): RemoteFiles {
  return {
    mkdirp: (p) => sshFiles.mkdirp(shell, p),
    writeFile: (p, c, m) => sshFiles.writeFile(shell, p, c, m),
    touch: (p) => sshFiles.touch(shell, p),
    remove: (p) => sshFiles.remove(shell, p),
  };
}
