// The transport under every cluster backend: run one program with arguments, optionally feed it stdin, get its
// output and exit status. Implementations never pass user text through a local shell; the SSH one must quote
// (a remote login shell always parses the command string), and does so with shellCommand.

export interface ShellResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when the program was killed by a signal. */
  code: number | null;
  signal: string | null;
}

export interface ExecOptions {
  /** Written to the program's stdin, then stdin is closed (e.g. a batch script for `sbatch`). */
  stdin?: string;
  /** Kill the command and reject with a ShellError('timeout') after this long. */
  timeoutMs?: number;
}

export interface Shell {
  /** Where commands run, for messages (`slurmci@127.0.0.1:2222`, `local`). Never contains secrets. */
  readonly target: string;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ShellResult>;
  close(): Promise<void>;
}

export type ShellErrorKind =
  | 'connect' // nothing listens, refused, DNS, network down
  | 'auth' // the server refused our key
  | 'host_key' // the server's key is not the one we trust
  | 'timeout'
  | 'closed' // the connection dropped while a command ran
  | 'spawn' // local: the program does not exist
  | 'config'; // our own configuration is unusable (no key, no known_hosts entry…)

export class ShellError extends Error {
  constructor(
    readonly kind: ShellErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ShellError';
  }
}

/** A command that ran but failed, with what it printed. */
export class CommandFailedError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: ShellResult,
  ) {
    const why = result.stderr.trim() || result.stdout.trim() || `exit ${result.code ?? result.signal}`;
    super(`${argv[0] ?? 'command'} failed: ${why}`);
    this.name = 'CommandFailedError';
  }
}
