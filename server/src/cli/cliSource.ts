// Shared by `trainboard validate|plan|render`: turn `CONFIG` or `--preset NAME` into a loaded config, printing
// findings the same way in every command.
import { formatIssue } from '@trainboard/shared/runconfig/index';
import type { ConfigIssue } from '@trainboard/shared/runconfig/index';
import { loadRunConfig } from '../render/loadRunConfig.js';
import type { LoadResult, RunConfigSource } from '../render/loadRunConfig.js';
import type { CliIo } from './args.js';

/** The config named by `CONFIG` or `--preset NAME`; null (after saying why) unless exactly one is given. */
export function sourceFromArgs(
  positionals: string[],
  preset: string | undefined,
  io: CliIo,
  command: string,
): RunConfigSource | null {
  if ((positionals.length === 1) === (preset !== undefined) || positionals.length > 1) {
    io.stderr.write(`trainboard ${command}: give exactly one of CONFIG (a .yaml/.yml/.json file) or --preset NAME\n`);
    return null;
  }
  return preset !== undefined ? { preset } : { file: positionals[0] as string };
}

export async function loadFromArgs(
  positionals: string[],
  preset: string | undefined,
  io: CliIo,
  command: string,
): Promise<LoadResult | null> {
  const source = sourceFromArgs(positionals, preset, io, command);
  return source ? loadRunConfig(source) : null;
}

export function printIssues(issues: readonly ConfigIssue[], out: NodeJS.WritableStream): void {
  for (const issue of issues) out.write(`${formatIssue(issue)}\n`);
}

export function summaryLine(issues: readonly ConfigIssue[]): string {
  const errors = issues.filter((i) => i.severity === 'error').length;
  return `${errors} error(s), ${issues.length - errors} warning(s)`;
}
