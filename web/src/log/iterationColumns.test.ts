import { describe, expect, it } from 'vitest';
import { iterationColumns } from './iterationColumns.js';

// Lines as the bigscience fork (BLOOM's log), the fake trainer and NVIDIA Megatron-LM print them.
const BLOOM =
  '[default7]: iteration    94768/  115311 | consumed samples:    177927088 | consumed tokens: 364394676224 | ' +
  'elapsed time per iteration (s): 219.17 | learning rate: 7.610E-06 | global batch size:  2048 | ' +
  'lm loss: 1.963261E+00 | grad norm: 0.154 | num zeros: 0.0 | number of skipped iterations:   0 | ' +
  'number of nan iterations:   0 | samples per second: 9.344 | TFLOPs: 95.39 |';
const NVIDIA =
  ' [2024-05-01 10:00:00] iteration      200/    1000 | consumed samples:        51200 | ' +
  'elapsed time per iteration (ms): 1600.0 | throughput per GPU (TFLOP/s/GPU): 410.2 | learning rate: 3.0E-04 | ' +
  'global batch size:   256 | lm loss: 4.250000E+00 | loss scale: 1.0 | grad norm: 1.234 | ' +
  'number of skipped iterations:   0 | number of nan iterations:   0 |';

describe('iterationColumns', () => {
  it('reads a BLOOM iteration line into iteration, loss, grad norm and throughput', () => {
    expect(iterationColumns(BLOOM)).toEqual({
      prefix: '[default7]:',
      iteration: '94768 / 115311',
      loss: '1.96326',
      gradNorm: '0.154',
      throughput: '9.344 samples/s · 95.39 TFLOPs',
    });
  });

  it("derives samples/s from the batch and the iteration time when the line has none (NVIDIA's format)", () => {
    expect(iterationColumns(NVIDIA)).toEqual({
      prefix: '[2024-05-01 10:00:00]',
      iteration: '200 / 1000',
      loss: '4.25',
      gradNorm: '1.234',
      throughput: '160 samples/s · 410.2 TFLOPs',
    });
  });

  it('shows a missing loss (a NaN iteration, which Megatron omits) as a dash, not as zero', () => {
    const nan =
      ' iteration        7/     100 | global batch size:    16 | grad norm: 3.100 | number of nan iterations:   1 |';
    expect(iterationColumns(nan)).toMatchObject({ prefix: '', iteration: '7 / 100', loss: '—', throughput: '—' });
  });

  it('leaves every other line as text', () => {
    for (const line of [
      '[default0]:  successfully saved checkpoint at iteration     100 to /ckpt',
      '[default0]: validation loss at iteration 100 | lm loss value: 4.1 | lm loss PPL: 60.3 |',
      '[default0]:    iteration = train(forward_step_func,',
      'elapsed time per iteration (ms): 12.0',
      '',
    ])
      expect(iterationColumns(line)).toBeNull();
  });
});
