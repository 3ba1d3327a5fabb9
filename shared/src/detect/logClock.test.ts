import { describe, expect, it } from 'vitest';
import { parseText } from '../testing/parseAll.js';
import { iterLine, runningPulse } from '../testing/detectLog.js';
import { LogClock } from './logClock.js';

const times = (text: string): { clock: LogClock; t: number[] } => {
  const clock = new LogClock();
  return { clock, t: parseText(text).events.map((e) => clock.observe(e)) };
};

describe('LogClock', () => {
  it('walks with elapsed time × iterations done, from 0 before any stamp', () => {
    const { t, clock } = times(iterLine(10, 100) + iterLine(20, 100) + iterLine(21, 50));
    expect(t).toEqual([100_000, 1_100_000, 1_150_000]);
    expect(clock.shiftMs).toBeNull();
    expect(clock.toEpoch(5)).toBe(5);
  });

  it('the first stamp fixes wall time without a jump; a later stamp ahead of the walk moves it forwards', () => {
    const { t, clock } = times(
      iterLine(1, 100) + runningPulse('2022-05-01 03:00:00') + iterLine(2, 100) + runningPulse('2022-05-01 04:00:00'),
    );
    expect(t).toEqual([100_000, 100_000, 200_000, 3_700_000]);
    expect(clock.toEpoch(100_000)).toBe(Date.UTC(2022, 4, 1, 3, 0, 0));
  });

  it('a stamp behind the walk never moves the clock backwards', () => {
    const { t } = times(runningPulse('2022-05-01 03:00:00') + iterLine(1, 600) + runningPulse('2022-05-01 03:05:00'));
    expect(t).toEqual([0, 600_000, 600_000]);
  });
});
