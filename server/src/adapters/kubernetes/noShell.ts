// The Shell of a kubernetes cluster: there is no login node to run commands on. Every ClusterHandle has a shell
// (and files over it) for the Slurm-side tools (GPU probe, run folders); here each use fails with one clear
// ShellError('config') instead of reaching for a host that does not exist.
import { ShellError, type ExecOptions, type Shell, type ShellResult } from '../shell.js';

export class NoShell implements Shell {
  constructor(readonly target: string) {}

  exec(argv: readonly string[], _options?: ExecOptions): Promise<ShellResult> {
    return Promise.reject(
      new ShellError(
        'config',
        `${argv[0] ?? 'a command'}: a kubernetes cluster has no shell (its API is the only access)`,
      ),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
