// `trainboard validate CONFIG|--preset NAME [--json]`: every finding with field, value, why and fix; exit 1 on errors.
import { parseCommandArgs } from '../args.js';
import type { CliIo } from '../args.js';
import { loadFromArgs, printIssues, summaryLine } from '../cliSource.js';

const USAGE = `usage: trainboard validate CONFIG | --preset NAME [--json]

Validates a run config (YAML or JSON) against the schema and the Megatron-DeepSpeed rules in docs/RUN-CONFIG.md.
Prints each error and warning with its field, value, why and fix. Exit 1 if there is any error, 2 on usage errors.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs({ name: 'validate', usage: USAGE }, argv, io, {
    preset: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  if (typeof parsed === 'number') return parsed;
  const result = await loadFromArgs(parsed.positionals, parsed.values.preset, io, 'validate');
  if (!result) return 2;
  if (parsed.values.json) {
    io.stdout.write(`${JSON.stringify({ ok: result.ok, issues: result.issues }, null, 2)}\n`);
  } else {
    printIssues(result.issues, io.stdout);
    io.stdout.write(`${result.ok ? 'valid' : 'invalid'}: ${summaryLine(result.issues)}\n`);
  }
  return result.ok ? 0 : 1;
}
