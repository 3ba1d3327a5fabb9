// Trainboard's job start marker: one exact line shape, an event, and a hard boundary between two jobs' lines.
import { describe, expect, it } from 'vitest';
import type { FailureEvent, LogEvent } from './events.js';
import { byOffset, parseChunks, parseText } from '../testing/parseAll.js';

const ITER =
  ' iteration      118/    1000 | consumed samples:         1888 | elapsed time per iteration (ms): 200.0 | ' +
  'learning rate: 6.000E-05 | global batch size:    16 | lm loss: 4.500000E+00 | grad norm: 1.500 |\n';
const CUDA = [
  'Traceback (most recent call last):',
  '  File "pretrain_gpt.py", line 222, in <module>',
  'RuntimeError: CUDA error: an illegal memory access was encountered',
].join('\n');
const marker = (id: string) => `TRAINBOARD JOB START id=${id} nodes=c[1-2] time=1765000000\n`;
const failures = (events: LogEvent[]) => events.filter((e): e is FailureEvent => e.type === 'failure');

describe('the job start marker', () => {
  it('is an event with the Slurm job id, the nodes and the time', () => {
    const { events, stats } = parseText(marker('1528763'));
    expect(events).toEqual([
      {
        type: 'job_start',
        offset: 0,
        line: 1,
        rank: null,
        jobId: '1528763',
        nodeList: 'c[1-2]',
        timestamp: 1_765_000_000_000,
      },
    ]);
    expect(stats.unknownLines).toBe(0);
  });

  it('only in its exact shape: anything else is an ordinary (unknown) line', () => {
    for (const line of ['TRAINBOARD JOB START id=$(id)', 'TRAINBOARD JOB START', 'TRAINBOARD JOB START id=1 extra=2']) {
      const { events, stats } = parseText(`${line}\n`);
      expect(events).toEqual([]);
      expect(stats.unknownLines).toBe(1);
    }
  });

  it("closes the previous job's open failure before it, wherever the chunks are cut", () => {
    const text = marker('1') + ITER + CUDA + '\n' + marker('2') + ITER;
    const bytes = new TextEncoder().encode(text);
    const whole = byOffset(parseChunks(bytes).events).map((e) => `${e.type}@${e.offset}`);
    const second = text.indexOf(marker('2'));
    expect(whole).toEqual([
      'job_start@0',
      `iteration@${marker('1').length}`,
      `failure@${marker('1').length + ITER.length}`,
      `job_start@${second}`,
      `iteration@${second + marker('2').length}`,
    ]);
    for (const cut of [1, second - 3, second + 5, text.length - 10])
      expect(byOffset(parseChunks(bytes, [cut]).events).map((e) => `${e.type}@${e.offset}`)).toEqual(whole);
  });

  it("starts a new job: its failures are not the last job's shutdown noise, nor after its iteration", () => {
    const exit = '[exiting program after 1190.0 minutes] datetime: 2021-08-08 01:00:51\n';
    const noise = failures(parseText(ITER + exit + CUDA + '\n').events);
    expect(noise[0]).toMatchObject({ shutdownNoise: true, lastIteration: 118 });
    const next = failures(parseText(ITER + exit + marker('2') + CUDA + '\n').events);
    expect(next[0]).toMatchObject({ kind: 'cuda_error', shutdownNoise: false, lastIteration: null });
  });
});
