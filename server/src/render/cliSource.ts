// Shared by `trainboard validate|plan|render`: turn `CONFIG` or `--preset NAME` into a loaded config, printing
// findings the same way in every command.
import { formatIssue } from '@trainboard/shared/runconfig/index';
import type { ConfigIssue } from '@trainboard/shared/runconfig/index';
import type { CliIo } from '../cli/main.js';
import { loadRunConfig } from './loadRunConfig.js';
import type { LoadResult } from './loadRunConfig.js';

export async function loadFromArgs(positionals: string[], preset: string | undefined, io: CliIo, command: string): Promise<LoadResult | null> {
  if ((positionals.length === 1) === (preset !== undefined) || positionals.length > 1) {
    io.stderr.write(`trainboard ${command}: give exactly one of CONFIG (a .yaml/.yml/.json file) or --preset NAME\n`);
    return null;
  }
  return loadRunConfig(preset !== undefined ? { preset } : { file: positionals[0] as string });
}

export function printIssues(issues: readonly ConfigIssue[], out: NodeJS.WritableStream): void {
  for (const issue of issues) out.write(`${formatIssue(issue)}\n`);
}

export function summaryLine(issues: readonly ConfigIssue[]): string {
  const errors = issues.filter((i) => i.severity === 'error').length;
  return `${errors} error(s), ${issues.length - errors} warning(s)`;
}
