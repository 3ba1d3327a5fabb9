// Test helpers (pure; tests only): constructed Megatron log text for the detectors, and a replay of it.
import type { Incident } from '../detect/incident.js';
import { type DetectOptions, runDetectors } from '../detect/runDetectors.js';
import { parseText } from './parseAll.js';

/** A tr11-shaped iteration line (rank 7), `seconds` per iteration, loss and grad norm as given. */
export function iterLine(iteration: number, seconds = 105, loss = 2.1, gradNorm = 0.14): string {
  return (
    `[default7]: iteration ${String(iteration).padStart(8)}/  115311 | consumed samples:     76002224 | ` +
    `elapsed time per iteration (s): ${seconds.toFixed(2)} | learning rate: 4.298E-05 | global batch size:  2048 | ` +
    `lm loss: ${loss.toExponential(6).toUpperCase()} | grad norm: ${gradNorm.toFixed(3)} | num zeros: 0.0 | ` +
    `number of skipped iterations:   0 | number of nan iterations:   0 | samples per second: 19.474 | TFLOPs: 149.10 |\n`
  );
}

export function iterLines(from: number, to: number, seconds = 105): string {
  let s = '';
  for (let i = from; i <= to; i++) s += iterLine(i, seconds);
  return s;
}

export const validLine = (iteration: number, group = 'valid') =>
  `[default7]:${group} loss at iteration ${iteration} | lm loss value: 2.327091E+00 | lm loss PPL: 1.024808E+01 |\n`;

export const savedLine = (iteration: number) =>
  `[default0]:  successfully saved checkpoint at iteration ${String(iteration).padStart(7)} to /ckpt/main\n` +
  `[default7]:time (ms) | save-checkpoint: 39870.55\n`;

/** A PULSE line that says the job is RUNNING, stamped `stamp` ("2022-05-01 03:56:11"). */
export const runningPulse = (stamp: string) =>
  `[${stamp}] PULSE: tr11-176B-ml is running for 1-07:27:33 since 2022-04-29T20:28:38 ` +
  `(1528763 on 'gpu_p5' partition (jean-zay-iam[01-34,36-49])\n`;

/** A start-up banner: world size and parallel sizes, resuming from `loaded` when given. */
export function banner(world: number, dp: number, tp: number, pp: number, loaded?: number): string {
  return (
    `[default0]:using world size: ${world}, data-parallel-size: ${dp}, tensor-model-parallel size: ${tp}, ` +
    `pipeline-model-parallel size: ${pp} \n` +
    `[default0]:setting training iterations to 115311\n` +
    (loaded === undefined ? '' : `[default0]:  successfully loaded checkpoint from /ckpt/main at iteration ${loaded}\n`)
  );
}

export function detectText(text: string, opts?: DetectOptions): Incident[] {
  const { events, stats } = parseText(text);
  if (stats.internalErrors !== 0) throw new Error('parser internal error');
  return runDetectors(events, opts);
}

export const kinds = (incidents: readonly Incident[]): string[] => incidents.map((i) => i.kind);
