// Writes a synthetic Megatron-DeepSpeed main_log.txt made of real line shapes (tr11 iteration lines, validation
// blocks over tr11's 29 groups, checkpoint saves, save timers, hourly PULSE lines, a restart banner) with values
// that vary like a real run. Used by the parser and import benchmarks; not a fixture (the values are invented).
//
// Usage (as a module): await writeSyntheticLog('/tmp/main_log.txt', 1_000_000)
import { closeSync, openSync, writeSync } from 'node:fs';
import { seededRandom } from '@trainboard/shared/testing/parseAll';

const GROUPS = [
  'valid',
  'valid_ar',
  'valid_ca',
  'valid_code',
  'valid_en',
  'valid_es',
  'valid_eu',
  'valid_fr',
  'valid_id',
  'valid_indic-as',
  'valid_indic-bn',
  'valid_indic-gu',
  'valid_indic-hi',
  'valid_indic-kn',
  'valid_indic-ml',
  'valid_indic-mr',
  'valid_indic-ne',
  'valid_indic-or',
  'valid_indic-pa',
  'valid_indic-ta',
  'valid_indic-te',
  'valid_indic-ur',
  'valid_nigercongo-all',
  'valid_oscar-en',
  'valid_oscar-zh',
  'valid_pt',
  'valid_vi',
  'valid_zhs',
  'valid_zht',
];
const SAVE_DIR = '/gpfsscratch/rech/six/commun/checkpoints/tr11-176B-ml/checkpoints/main';

const pad = (n: number | string, width: number): string => String(n).padStart(width, ' ');

/** Python's `%.<d>E`: mantissa with d decimals and a signed two-digit exponent. */
function sci(x: number, d: number): string {
  const [m, e] = x.toExponential(d).split('e') as [string, string];
  const exp = Number(e);
  return `${m.toUpperCase()}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function iterationLine(it: number, samples: number, seconds: number, loss: number, rnd: () => number): string {
  const lr = 6e-5 * (0.5 + 0.5 * Math.cos((Math.PI * it) / 115311));
  const gradNorm = 0.12 + rnd() * 0.05;
  const sps = 2048 / seconds;
  const tflops = (149.02 * 105.22) / seconds;
  return ` iteration ${pad(it, 8)}/${pad(115311, 8)} | consumed samples: ${pad(samples, 12)} | consumed tokens: ${pad(samples * 2048, 12)} | elapsed time per iteration (s): ${seconds.toFixed(2)} | learning rate: ${sci(lr, 3)} | global batch size: ${pad(2048, 5)} | lm loss: ${sci(loss, 6)} | grad norm: ${gradNorm.toFixed(3)} | num zeros: 0.0 | number of skipped iterations: ${pad(0, 3)} | number of nan iterations: ${pad(0, 3)} | samples per second: ${sps.toFixed(3)} | TFLOPs: ${tflops.toFixed(2)} |`;
}

function bannerLines(): string[] {
  const args: Array<[string, string]> = [
    ['global_batch_size', '2048'],
    ['micro_batch_size', '2'],
    ['pipeline_model_parallel_size', '12'],
    ['rampup_batch_size', "['192', '16', '9_765_625']"],
    ['seq_length', '2048'],
    ['tensor_model_parallel_size', '4'],
    ['train_iters', 'None'],
    ['train_samples', '220000000'],
    ['world_size', '384'],
  ];
  return [
    '[default0]:using world size: 384, data-parallel-size: 8, tensor-model-parallel size: 4, pipeline-model-parallel size: 12 ',
    '[default0]:------------------------ arguments ------------------------',
    ...args.map(([k, v]) => `[default0]:  ${k} ${'.'.repeat(Math.max(1, 48 - k.length))} ${v}`),
    '[default0]:-------------------- end of arguments ---------------------',
    '[default0]:setting training iterations to 115311',
    `[default0]:  successfully loaded checkpoint from ${SAVE_DIR} at iteration 45000`,
    '[default7]:time (ms) | load-checkpoint: 731562.18',
    '[default0]:[before the start of training step] datetime: 2022-05-05 00:52:04 ',
  ];
}

/**
 * Writes about `lines` lines (stops at the first iteration boundary past it) to `path`.
 * @returns the number of lines and of iteration lines written.
 */
export function writeSyntheticLog(path: string, lines: number): { lines: number; iterationLines: number } {
  const rnd = seededRandom(20220501); // deterministic: every run writes the same file
  const fd = openSync(path, 'w');
  let buffer: string[] = [];
  let bufferedChars = 0;
  let written = 0;
  let iterationLines = 0;
  const emit = (line: string): void => {
    buffer.push(line);
    bufferedChars += line.length + 1;
    written++;
    if (bufferedChars > 1 << 20) flush();
  };
  const flush = (): void => {
    writeSync(fd, buffer.join('\n') + '\n');
    buffer = [];
    bufferedChars = 0;
  };
  try {
    for (const line of bannerLines()) emit(line);
    let it = 45000;
    let samples = 76002224;
    let loss = 2.3;
    let hour = 0;
    while (written < lines) {
      it++;
      samples += 2048;
      loss = Math.max(1.5, loss - 1e-5 + (rnd() - 0.5) * 0.02);
      const overhead = it % 1000 === 1 ? 760 : it % 100 === 1 ? 40 : 0;
      const seconds = 104.8 + rnd() * 1.2 + overhead;
      // Most lines carry the tee prefix; some runs (2021 launchers, doc copies) have none.
      const prefix = it % 50 === 0 ? '' : '[default7]:';
      emit(prefix + iterationLine(it, samples, seconds, loss, rnd));
      iterationLines++;
      if (it % 34 === 0) {
        hour++;
        const ts = `2022-05-${pad(1 + Math.floor(hour / 24), 2).replace(' ', '0')} ${String(hour % 24).padStart(2, '0')}:56:11`;
        emit(`[${ts}] PULSE: tr11-176B-ml is waiting to be scheduled (1528874_[1-3%1] on 'gpu_p5' partition)`);
        emit(
          `[${ts}] PULSE: tr11-176B-ml is running for 1-07:27:33 since 2022-04-29T20:28:38 (1528763 on 'gpu_p5' partition (jean-zay-iam[01-34,36-49])`,
        );
      }
      if (it % 1000 === 0) {
        for (const group of GROUPS) {
          const v = 1.2 + rnd() * 2;
          const result = `${group} loss at iteration ${it} | lm loss value: ${sci(v, 6)} | lm loss PPL: ${sci(Math.exp(v), 6)} | `;
          const dashes = '-'.repeat(result.length + 1);
          emit(`[default7]:${dashes}`);
          emit(`[default7]:${result}`);
          emit(`[default7]:${dashes}`);
        }
      }
      if (it % 100 === 0) {
        emit(`[default0]:saving checkpoint at iteration ${pad(it, 7)} to ${SAVE_DIR}`);
        emit(`[default0]:  successfully saved checkpoint at iteration ${pad(it, 7)} to ${SAVE_DIR}`);
        emit(`[default7]:time (ms) | save-checkpoint: ${(39000 + rnd() * 3000).toFixed(2)}`);
      }
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return { lines: written, iterationLines };
}
