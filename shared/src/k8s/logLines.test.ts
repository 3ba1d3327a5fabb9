import { describe, expect, it } from 'vitest';
import {
  LOG_START,
  LogDeduper,
  PodLogSplitter,
  compareLogTs,
  compareResumePoints,
  formatLogTs,
  parseLogTs,
  sinceTimeFor,
  type LogTs,
} from './logLines.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const ts = (s: string) => parseLogTs(s) as LogTs;

describe('kubelet timestamps', () => {
  it('keeps nanoseconds that a JS Date would merge', () => {
    const a = ts('2026-12-06T22:00:01.123456789Z');
    const b = ts('2026-12-06T22:00:01.123456790Z');
    expect(a).toEqual({ sec: Date.UTC(2026, 11, 6, 22, 0, 1) / 1000, nsec: 123456789 });
    expect(compareLogTs(a, b)).toBeLessThan(0);
    expect(compareLogTs(b, a)).toBeGreaterThan(0);
    expect(compareLogTs(a, ts('2026-12-06T22:00:01.123456789Z'))).toBe(0);
  });

  it('reads 1 to 9 fractional digits and zone offsets, comparing instants not strings', () => {
    expect(ts('2026-12-06T22:00:01.5Z').nsec).toBe(500_000_000);
    expect(ts('2026-12-06T22:00:01Z').nsec).toBe(0);
    // 23:00:01 at +01:00 is 22:00:01 UTC: the same instant although the strings differ.
    expect(compareLogTs(ts('2026-12-06T23:00:01.000000000+01:00'), ts('2026-12-06T22:00:01.000000000Z'))).toBe(0);
    expect(compareLogTs(ts('2026-12-06T21:30:01.1-00:30'), ts('2026-12-06T22:00:01.1Z'))).toBe(0);
  });

  it('refuses what is not RFC3339', () => {
    for (const bad of [
      '',
      '2026-12-06 22:00:01Z',
      '2026-12-06T22:00:01',
      '2026-12-06T22:00:01.1234567891Z',
      '2026-02-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-12-06T24:00:00Z',
      '2026-12-06T22:00:01+25:00',
      'x2026-12-06T22:00:01Z',
    ])
      expect(parseLogTs(bad), bad).toBeNull();
  });

  it('formats canonically and floors to the second for sinceTime', () => {
    const t = ts('2026-12-06T23:00:01.000000042+01:00');
    expect(formatLogTs(t)).toBe('2026-12-06T22:00:01.000000042Z');
    expect(parseLogTs(formatLogTs(t))).toEqual(t);
    expect(sinceTimeFor(t)).toBe('2026-12-06T22:00:01Z');
  });
});

describe('PodLogSplitter', () => {
  it('splits on newline wherever the chunks are cut, a multi-byte character included', () => {
    const text = '2026-12-06T22:00:01.000000001Z héllo wörld\n2026-12-06T22:00:01.000000002Z line 2\n';
    const bytes = enc.encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const s = new PodLogSplitter(1024);
      const lines = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut))];
      expect(lines.map((l) => dec.decode(l.text))).toEqual(['héllo wörld', 'line 2']);
      expect(lines.map((l) => l.ts && formatLogTs(l.ts))).toEqual([
        '2026-12-06T22:00:01.000000001Z',
        '2026-12-06T22:00:01.000000002Z',
      ]);
      expect(s.end()).toBeNull();
    }
  });

  it('holds a partial last line until end()', () => {
    const s = new PodLogSplitter(1024);
    expect(s.push(enc.encode('2026-12-06T22:00:01.000000001Z par'))).toEqual([]);
    expect(s.push(enc.encode('tial'))).toEqual([]);
    const last = s.end();
    expect(last && dec.decode(last.text)).toBe('partial');
    expect(s.end()).toBeNull();
  });

  it('keeps a line without a timestamp whole, with ts null', () => {
    const [line] = new PodLogSplitter(1024).push(enc.encode('no prefix here\n'));
    expect(line?.ts).toBeNull();
    expect(line && dec.decode(line.text)).toBe('no prefix here');
  });

  it('bounds an over-long line: only the first bytes are held, the length is exact', () => {
    const s = new PodLogSplitter(100);
    expect(s.push(enc.encode('2026-12-06T22:00:01.000000001Z '))).toEqual([]);
    const block = new Uint8Array(64 * 1024).fill(120);
    for (let i = 0; i < 160; i++) {
      expect(s.push(block)).toEqual([]);
      expect(s.heldBytes).toBeLessThanOrEqual(140);
    }
    const [line] = s.push(enc.encode('\n'));
    expect(line?.text.length).toBe(100);
    expect(line?.length).toBe(160 * 64 * 1024);
    expect(line?.ts && formatLogTs(line.ts)).toBe('2026-12-06T22:00:01.000000001Z');
  });
});

/** Feeds timestamps through a deduper; returns the indexes kept and the gaps reported. */
function run(d: LogDeduper, stamps: string[]) {
  const kept: number[] = [];
  const gaps: string[] = [];
  stamps.forEach((s, i) => {
    const v = d.accept(ts(s));
    if (!v.keep) return;
    kept.push(i);
    if (v.gap) gaps.push(v.gap.message);
  });
  return { kept, gaps };
}

describe('LogDeduper', () => {
  const T = (n: number, sec = 1) => `2026-12-06T22:00:0${sec}.00000000${n}Z`;

  it('from the start keeps everything and counts lines at the last timestamp', () => {
    const d = new LogDeduper(LOG_START);
    expect(run(d, [T(1), T(2), T(2), T(2)]).kept).toEqual([0, 1, 2, 3]);
    expect(d.state).toEqual({ lastTs: ts(T(2)), atTs: 3 });
  });

  it('skips the replay of the whole second and the lines already stored at the last timestamp', () => {
    // Stored: T1, T2, T2 (2 lines at T2). The kubelet replays the second from its start.
    const d = new LogDeduper({ lastTs: ts(T(2)), atTs: 2 });
    const r = run(d, [T(1), T(2), T(2), T(2), T(3), T(0, 2)]);
    expect(r.kept).toEqual([3, 4, 5]);
    expect(r.gaps).toEqual([]);
    expect(d.state).toEqual({ lastTs: ts(T(0, 2)), atTs: 1 });
  });

  it('after the replay keeps a line whose timestamp goes backwards (two writers)', () => {
    const d = new LogDeduper({ lastTs: ts(T(2)), atTs: 1 });
    expect(run(d, [T(2), T(5), T(4), T(5)]).kept).toEqual([1, 2, 3]);
    expect(d.state).toEqual({ lastTs: ts(T(5)), atTs: 2 });
  });

  it('says in words that lines may be missing when our last line did not come back', () => {
    const d = new LogDeduper({ lastTs: ts(T(2)), atTs: 1 });
    const r = run(d, [T(7, 3), T(8, 3)]);
    expect(r.kept).toEqual([0, 1]);
    expect(r.gaps).toHaveLength(1);
    expect(r.gaps[0]).toMatch(
      /rotated.*2026-12-06T22:00:01\.000000002Z and 2026-12-06T22:00:03\.000000007Z may be missing/,
    );
  });

  it('reports no gap when only lines older than our last timestamp were rotated away', () => {
    // The second's T1 line is gone; our 3 lines at T2 all came back.
    const d = new LogDeduper({ lastTs: ts(T(2)), atTs: 3 });
    expect(run(d, [T(2), T(2), T(2), T(3)])).toEqual({ kept: [3], gaps: [] });
  });

  it('says lines may be missing when rotation cut into the lines at our last timestamp', () => {
    // We stored 3 lines at T2; only one line at T2 came back. It may be our third (nothing lost) or a fourth line
    // at T2 we never stored (skipped as ours, lost): the count cannot tell, so the gap is reported.
    const d = new LogDeduper({ lastTs: ts(T(2)), atTs: 3 });
    const r = run(d, [T(2), T(3)]);
    expect(r.kept).toEqual([1]);
    expect(r.gaps).toHaveLength(1);
  });

  it('reportGaps false skips the replay without a second report', () => {
    const d = new LogDeduper({ lastTs: ts(T(2)), atTs: 1 }, false);
    expect(run(d, [T(1), T(3)])).toEqual({ kept: [1], gaps: [] });
  });

  it('orders resume points by timestamp then count', () => {
    expect(compareResumePoints(LOG_START, { lastTs: ts(T(1)), atTs: 1 })).toBeLessThan(0);
    expect(compareResumePoints({ lastTs: ts(T(1)), atTs: 2 }, { lastTs: ts(T(1)), atTs: 1 })).toBeGreaterThan(0);
    expect(compareResumePoints({ lastTs: ts(T(1)), atTs: 9 }, { lastTs: ts(T(2)), atTs: 1 })).toBeLessThan(0);
    expect(compareResumePoints(LOG_START, LOG_START)).toBe(0);
  });
});
