// `trainboard render CONFIG|--preset NAME --out DIR`: writes the sbatch script and the DeepSpeed config.
import { parseCommandArgs, usageError } from '../args.js';
import path from 'node:path';
import { RenderError, TEMPLATE_NAMES } from '@trainboard/shared/runconfig/index';
import type { TemplateName } from '@trainboard/shared/runconfig/index';
import type { CliIo } from '../args.js';
import { printIssues, sourceFromArgs, summaryLine } from '../cliSource.js';
import { renderRunConfig } from '../../render/renderRunConfig.js';
import { FAKE_TRAINER_PATH } from '../../render/templates.js';
import { writeRenderedRun } from '../../render/writeRun.js';

const USAGE = `usage: trainboard render CONFIG | --preset NAME --out DIR [--template NAME] [--fake-trainer PATH] [--seconds-per-iteration S]

Validates the config and, if it has no errors, writes into DIR the sbatch script (<job name>.slurm, or
<job name>.fake.slurm for the fake trainer) and ds_config.json. Refuses (exit 1) a config with errors.
  --template               ${TEMPLATE_NAMES.join(' | ')} (default megatron-deepspeed)
  --fake-trainer           pretrain_gpt.py of the fake trainer on the cluster (default: this checkout's)
  --seconds-per-iteration  wall time the fake trainer sleeps per iteration (default 0.2)
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const command = { name: 'render', usage: USAGE };
  const parsed = parseCommandArgs(command, argv, io, {
    preset: { type: 'string' },
    out: { type: 'string' },
    template: { type: 'string', default: 'megatron-deepspeed' },
    'fake-trainer': { type: 'string', default: FAKE_TRAINER_PATH },
    'seconds-per-iteration': { type: 'string', default: '0.2' },
    help: { type: 'boolean', short: 'h' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.out) return usageError(command, io, '--out DIR is required');
  if (!(TEMPLATE_NAMES as readonly string[]).includes(values.template)) {
    io.stderr.write(
      `trainboard render: unknown --template '${values.template}' (use ${TEMPLATE_NAMES.join(' or ')})\n`,
    );
    return 2;
  }
  const seconds = Number(values['seconds-per-iteration']);
  const source = sourceFromArgs(parsed.positionals, values.preset, io, 'render');
  if (!source) return 2;
  try {
    const result = await renderRunConfig({
      source,
      template: values.template as TemplateName,
      fakeTrainer: { fakeTrainerPath: path.resolve(values['fake-trainer']), secondsPerIteration: seconds },
    });
    if (!result.ok) {
      printIssues(result.issues, io.stderr);
      io.stderr.write(`trainboard render: refusing to render an invalid config (${summaryLine(result.issues)})\n`);
      return 1;
    }
    const { rendered } = result;
    const written = await writeRenderedRun(rendered, values.out);
    printIssues(result.issues, io.stderr);
    for (const file of written) io.stdout.write(`wrote ${file}\n`);
    return 0;
  } catch (error) {
    if (error instanceof RenderError) {
      io.stderr.write(`trainboard render: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
