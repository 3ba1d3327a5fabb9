// A stack dump (faulthandler on SIGUSR1, issue 15's stackDump of a hung job) lands in the training log. It is
// plain text to the parser: no failure, no event, the lines around it parsed as before.
import { describe, expect, it } from 'vitest';
import { iterLines } from '../testing/detectLog.js';
import { parseText } from '../testing/parseAll.js';
import { faulthandlerDump, faulthandlerStack } from '../testing/stackDump.js';

describe('parser: a faulthandler stack dump in the log', () => {
  it.each([
    ['unprefixed (the fake trainer, 2>&1)', ''],
    ['with the torchrun --tee prefix', '[default3]:'],
  ])('is plain text, never a failure: %s', (_name, prefix) => {
    const dumpText = faulthandlerDump(prefix) + faulthandlerStack(prefix);
    const { events, stats } = parseText(iterLines(1, 3) + dumpText + faulthandlerDump('[default5]:') + iterLines(4, 5));
    expect(events.filter((e) => e.type === 'failure')).toEqual([]);
    expect(events.flatMap((e) => (e.type === 'iteration' ? [e.iteration] : []))).toEqual([1, 2, 3, 4, 5]);
    expect(events.map((e) => e.type).filter((t) => t !== 'iteration')).toEqual([]);
    expect(stats.internalErrors).toBe(0);
    // Every non-blank line of the dumps is counted as unknown text, not taken as anything.
    const dumpLines = (dumpText + faulthandlerDump('[default5]:'))
      .split('\n')
      .filter((l) => l.replace(/^\[default\d\]:/, '').trim());
    expect(stats.unknownLines).toBe(dumpLines.length);
  });

  it('a dump after a real traceback does not change the traceback’s failure', () => {
    const traceback =
      '[default0]:Traceback (most recent call last):\n' +
      '[default0]:  File "/megatron/training.py", line 150, in pretrain\n' +
      '[default0]:RuntimeError: CUDA error: out of memory\n';
    const { events } = parseText(iterLines(1, 2) + traceback + faulthandlerDump('[default0]:'));
    const failures = events.filter((e) => e.type === 'failure');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ kind: 'out_of_memory' });
  });
});
