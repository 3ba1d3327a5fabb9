import { describe, expect, it } from 'vitest';
import { filterLines, formatBytes, ranksIn } from './logText.js';

const LINES = [
  '[default1]: iteration 1/10 | lm loss: 3.1 |',
  '[default0]:using world size: 8',
  'START TIME',
  '[default10]: iteration 2/10 | LM LOSS: 3.0 |',
  '[default1]: iteration 2/10 | lm loss: 2.9 |',
];

describe('ranksIn', () => {
  it('lists each [defaultN]: rank once, in numeric order', () => {
    expect(ranksIn(LINES)).toEqual(['0', '1', '10']);
  });
  it('reads only the last 5000 lines', () => {
    expect(ranksIn(['[default7]:old', ...Array<string>(5000).fill('[default2]:new')])).toEqual(['2']);
  });
});

describe('filterLines', () => {
  it('returns the same array when nothing filters (so the focused line index still holds)', () => {
    expect(filterLines(LINES, '', 'all')).toBe(LINES);
  });
  it('matches the text in any case, and the rank by its exact prefix', () => {
    expect(filterLines(LINES, 'lm loss', 'all')).toEqual([LINES[0], LINES[3], LINES[4]]);
    expect(filterLines(LINES, '', '1')).toEqual([LINES[0], LINES[4]]);
    expect(filterLines(LINES, 'LM loss', '10')).toEqual([LINES[3]]);
  });
});

describe('formatBytes', () => {
  it('uses B, KB and MB, whole MB from 100 MB', () => {
    expect([
      formatBytes(1023),
      formatBytes(4096),
      formatBytes(1.5 * 1024 * 1024),
      formatBytes(300 * 1024 * 1024),
    ]).toEqual(['1023 B', '4.0 KB', '1.5 MB', '300 MB']);
  });
});
