import { describe, expect, it } from 'vitest';
import { searchAnswered, searchStarted } from './useLogSearch.js';

const m = (offset: number) => ({ offset, line: `line at ${offset}` });

describe('searchStarted', () => {
  it('starts a fresh search busy, with no matches and no progress', () => {
    expect(searchStarted('loss', 'all', null)).toEqual({
      text: 'loss',
      rank: 'all',
      matches: [],
      from: 0,
      scannedFrom: 0,
      busy: true,
    });
  });
  it('keeps what a continued search found and how far it read while the next step is pending', () => {
    const previous = { text: 'loss', rank: '3', matches: [m(900)], from: 1000, scannedFrom: 800, busy: false };
    expect(searchStarted('loss', '3', previous)).toEqual({ ...previous, busy: true });
  });
});

describe('searchAnswered', () => {
  it('counts a fresh search from the size of the file it read', () => {
    expect(searchAnswered('loss', 'all', null, { matches: [m(900), m(500)], scannedFrom: 400, size: 1000 })).toEqual({
      text: 'loss',
      rank: 'all',
      matches: [m(900), m(500)],
      from: 1000,
      scannedFrom: 400,
      busy: false,
    });
  });
  it("appends an earlier step's (older) matches and keeps the size the search began at when the log grew", () => {
    const previous = { text: 'loss', rank: 'all', matches: [m(900)], from: 1000, scannedFrom: 800, busy: true };
    expect(searchAnswered('loss', 'all', previous, { matches: [m(300)], scannedFrom: 0, size: 5000 })).toEqual({
      text: 'loss',
      rank: 'all',
      matches: [m(900), m(300)],
      from: 1000,
      scannedFrom: 0,
      busy: false,
    });
  });
});
