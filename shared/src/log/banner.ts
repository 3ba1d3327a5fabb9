// The start-up banner (megatron-log-format.md §6): `using world size: …` marks a new process start, the
// arguments dump and the lines after it give the config. The banner spans many lines, so it is collected here
// and emitted as one run_start (at the offset of its first line) when it is complete: at `setting training
// iterations to N`, or earlier at the first iteration, an exit, launcher failure text (srun, the torchelastic
// agent), a new banner, flush/end, or after BANNER_MAX_LINES lines. A rank's own failure text does not end it
// (a peer's start-up traceback can land inside rank 0's banner: parser.ts).

import type { RunConfig } from './events.js';

export const BANNER_MAX_LINES = 20000;

const WORLD =
  /^using world size: (\d+), data-parallel-size: (\d+), tensor-model-parallel size: (\d+), pipeline-model-parallel size: (\d+)/;
const RAMPUP =
  /^will use batch size rampup starting from global batch size (\d+) to global batch size (\d+) with batch size increments (\d+) over (\d+) samples/;
const CONSTANT = /^setting number of micro-batches to constant (\d+)/;
const PADDED = /^> padded vocab \(size: \d+\) with \d+ dummy tokens \(new size: (\d+)\)/;
const TRAIN_ITERS = /^setting training iterations to (\d+)/;
/** `  name ........ value`: two spaces, the attribute name, a space, dots, a space, the value. */
const ARGUMENT = /^ {1,2}([A-Za-z_][A-Za-z0-9_]*) \.+ ?(.*)$/;

export const ARGUMENTS_START = /^-{3,} arguments -{3,}\s*$/;
export const ARGUMENTS_END = /^-{3,} end of arguments -{3,}\s*$/;

export function isWorldSizeLine(payload: string): boolean {
  return payload.startsWith('using world size: ');
}

function intOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const clean = value.trim().replace(/_/g, '');
  if (!/^\d+$/.test(clean)) return undefined;
  return Number(clean);
}

/** `['192', '16', '9_765_625']` → [192, 16, 9765625]; undefined for `None` or anything else. */
function rampupOf(value: string | undefined): [number, number, number] | undefined {
  if (!value) return undefined;
  const parts = value
    .replace(/[[\]'"\s]/g, '')
    .split(',')
    .filter((p) => p.length > 0);
  if (parts.length !== 3) return undefined;
  const nums = parts.map((p) => intOf(p));
  if (nums.some((n) => n === undefined)) return undefined;
  return nums as [number, number, number];
}

/** Accumulates one banner; `payload` is the text after the rank prefix. */
export class BannerCollector {
  readonly config: RunConfig = { args: {} };
  inArguments = false;
  lines = 0;
  /** Explicit values from banner lines, which win over the arguments dump. */
  private readonly explicit: Partial<RunConfig> = {};

  constructor(
    readonly offset: number,
    readonly line: number,
    readonly rank: number | null,
  ) {}

  /**
   * Takes a line of the banner window.
   * @returns 'consumed' when the line belonged to the banner, 'complete' when it ends it, 'other' otherwise.
   */
  take(payload: string): 'consumed' | 'complete' | 'other' {
    this.lines++;
    const trimmed = payload.trimStart();
    if (this.inArguments) {
      if (ARGUMENTS_END.test(trimmed)) {
        this.inArguments = false;
        return 'consumed';
      }
      const arg = ARGUMENT.exec(payload);
      if (arg) {
        this.config.args[arg[1] as string] = (arg[2] as string).trimEnd();
        return 'consumed';
      }
      return 'other';
    }
    if (ARGUMENTS_START.test(trimmed)) {
      this.inArguments = true;
      return 'consumed';
    }
    let m = WORLD.exec(trimmed);
    if (m) {
      this.explicit.worldSize = Number(m[1]);
      this.explicit.dataParallel = Number(m[2]);
      this.explicit.tensorParallel = Number(m[3]);
      this.explicit.pipelineParallel = Number(m[4]);
      return 'consumed';
    }
    if ((m = RAMPUP.exec(trimmed))) {
      this.explicit.rampupBatchSize = [Number(m[1]), Number(m[3]), Number(m[4])];
      this.explicit.globalBatchSize = Number(m[2]);
      return 'consumed';
    }
    if ((m = CONSTANT.exec(trimmed))) {
      this.explicit.numMicroBatches = Number(m[1]);
      return 'consumed';
    }
    if ((m = PADDED.exec(trimmed))) {
      this.explicit.paddedVocabSize = Number(m[1]);
      return 'consumed';
    }
    if ((m = TRAIN_ITERS.exec(trimmed))) {
      this.explicit.trainIters = Number(m[1]);
      return 'complete';
    }
    return 'other';
  }

  /** The config: explicit banner values first, then the arguments dump. */
  finish(): RunConfig {
    const a = this.config.args;
    const c: RunConfig = { args: a };
    const set = <K extends keyof RunConfig>(key: K, value: RunConfig[K] | undefined): void => {
      if (value !== undefined) c[key] = value;
    };
    set('worldSize', this.explicit.worldSize ?? intOf(a.world_size));
    set('tensorParallel', this.explicit.tensorParallel ?? intOf(a.tensor_model_parallel_size));
    set('pipelineParallel', this.explicit.pipelineParallel ?? intOf(a.pipeline_model_parallel_size));
    set('dataParallel', this.explicit.dataParallel ?? intOf(a.data_parallel_size));
    set('microBatchSize', intOf(a.micro_batch_size));
    set('globalBatchSize', intOf(a.global_batch_size) ?? this.explicit.globalBatchSize);
    set('rampupBatchSize', rampupOf(a.rampup_batch_size) ?? this.explicit.rampupBatchSize);
    set('numMicroBatches', this.explicit.numMicroBatches);
    set('trainIters', this.explicit.trainIters ?? intOf(a.train_iters));
    set('trainSamples', intOf(a.train_samples));
    set('seqLength', intOf(a.seq_length));
    set('numLayers', intOf(a.num_layers));
    set('hiddenSize', intOf(a.hidden_size));
    set('numAttentionHeads', intOf(a.num_attention_heads));
    set('paddedVocabSize', this.explicit.paddedVocabSize ?? intOf(a.pad_vocab_size_to));
    return c;
  }
}
