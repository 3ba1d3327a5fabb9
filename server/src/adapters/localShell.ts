// Runs commands on this machine (Trainboard on the login node itself). argv goes straight to execve: no shell.
import { spawn } from 'node:child_process';
import { ShellError, type ExecOptions, type Shell, type ShellResult } from './shell.js';

export interface LocalShellOptions {
  /** Extra environment, e.g. SLURM_CONF. */
  env?: Record<string, string>;
  defaultTimeoutMs?: number;
}

export class LocalShell implements Shell {
  readonly target = 'local';
  constructor(private readonly options: LocalShellOptions = {}) {}

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ShellResult> {
    const [file, ...args] = argv;
    if (!file) return Promise.reject(new ShellError('config', 'empty command'));
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { shell: false, env: { ...process.env, ...this.options.env }, stdio: 'pipe' });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new ShellError('spawn', `cannot run ${file}: ${e.code ?? e.message}`, { cause: e }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) return reject(new ShellError('timeout', `${file} did not finish within ${timeoutMs} ms`));
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          code,
          signal,
        });
      });
      child.stdin.on('error', () => {}); // the program may exit without reading its stdin
      child.stdin.end(options.stdin ?? '');
    });
  }

  async close(): Promise<void> {}
}
