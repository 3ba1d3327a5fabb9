// Argument parsing shared by every `trainboard` command: node:util parseArgs plus the house conventions —
// `--help` prints the usage (exit 0), and a usage error prints the message and the usage on stderr (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes: the process's streams, or buffers in tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>;

export interface CommandUsage {
  /** The command's name, e.g. `import`: error messages start with `trainboard import:`. */
  name: string;
  usage: string;
}

/** Writes `trainboard <name>: <message>` and the usage to stderr; returns the usage exit code, 2. */
export function usageError(command: CommandUsage, io: CliIo, message: string): number {
  io.stderr.write(`trainboard ${command.name}: ${message}\n\n${command.usage}`);
  return 2;
}

/**
 * Parses `argv` against `options` (which should include `help: { type: 'boolean', short: 'h' }`).
 * Returns the parsed values, or the exit code when the command must stop now (help shown, usage error).
 */
export function parseCommandArgs<O extends Options>(
  command: CommandUsage,
  argv: string[],
  io: CliIo,
  options: O,
): Parsed<O> | number {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (err) {
    return usageError(command, io, (err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(command.usage);
    return 0;
  }
  return parsed;
}
