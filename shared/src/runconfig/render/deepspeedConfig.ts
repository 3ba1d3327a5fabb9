// The DeepSpeed JSON each job writes next to itself (tr11: ./ds_config.<jobid>.json). Megatron drives the batch
// rampup itself and resets DeepSpeed's batch size every iteration, so train_batch_size is the full global batch.
import type { RunConfig } from '../schema.js';

export interface DeepSpeedConfig {
  train_micro_batch_size_per_gpu: number;
  train_batch_size: number;
  gradient_clipping: number;
  zero_optimization: { stage: number };
  bf16?: { enabled: true };
  fp16?: {
    enabled: true;
    loss_scale: number;
    loss_scale_window: number;
    hysteresis: number;
    min_loss_scale: number;
    initial_scale_power: number;
  };
  steps_per_print: number;
  wall_clock_breakdown: boolean;
}

export function deepspeedConfig(config: RunConfig): DeepSpeedConfig {
  const { precision } = config;
  const ls = precision.lossScale ?? {
    lossScale: 0,
    window: 500,
    hysteresis: 2,
    minLossScale: 1,
    initialScalePower: 12,
  };
  // Key order is the order of the tr11 script's heredoc, so a diff against a hand-written config reads naturally.
  return {
    train_micro_batch_size_per_gpu: config.batch.micro,
    train_batch_size: config.batch.global,
    gradient_clipping: config.optimizer.clipGrad,
    zero_optimization: { stage: precision.zeroStage },
    ...(precision.dtype === 'bf16' ? { bf16: { enabled: true } as const } : {}),
    ...(precision.dtype === 'fp16'
      ? {
          fp16: {
            enabled: true,
            loss_scale: ls.lossScale,
            loss_scale_window: ls.window,
            hysteresis: ls.hysteresis,
            min_loss_scale: ls.minLossScale,
            initial_scale_power: ls.initialScalePower,
          },
        }
      : {}),
    steps_per_print: 2000,
    wall_clock_breakdown: false,
  };
}

/** The DeepSpeed config as written to disk: stable key order, two-space indent, trailing newline. */
export function deepspeedConfigJson(config: RunConfig): string {
  return `${JSON.stringify(deepspeedConfig(config), null, 2)}\n`;
}
