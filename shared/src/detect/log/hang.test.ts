import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../log/events.js';
import { parseText } from '../../testing/parseAll.js';
import {
  banner,
  detectText,
  iterLine,
  iterLines,
  kinds,
  runningPulse,
  savedLine,
  validLine,
} from '../../testing/detectLog.js';
import type { Detector } from '../detector.js';
import { DEFAULT_DEADLINES } from '../rhythm.js';
import { RunTracker } from '../runState.js';
import { createHangDetector } from './hang.js';

/** A real BigScience log beside the clone (../shared/fixtures/megatron-logs). */
const readRealFixture = (file: string): string =>
  readFileSync(new URL(`../../../../../shared/fixtures/megatron-logs/${file}`, import.meta.url), 'utf8');

/** A live replay: each text piece arrives at its time (s), with a tick every 10 s in between. */
function live(pieces: [number, string][], endS: number): { detector: Detector; run: RunTracker } {
  const run = new RunTracker();
  const detector = createHangDetector({ run });
  let now = 0;
  const until = (s: number) => {
    for (; now + 10 <= s; now += 10) detector.tick((now + 10) * 1000);
  };
  for (const [at, text] of pieces) {
    until(at);
    for (const event of parseText(text).events as LogEvent[]) {
      run.update(event);
      detector.observe({ event, timeMs: at * 1000 });
    }
  }
  until(endS);
  return { detector, run };
}

/** Iterations `from..to`, one every `step` seconds from `start`. */
const steps = (from: number, to: number, start: number, step = 105): [number, string][] =>
  Array.from({ length: to - from + 1 }, (_, k) => [start + k * step, iterLine(from + k)]);

describe('hang detector (F3, F14)', () => {
  it('the real eval hang at 45000: PULSE lines move the clock but are not progress', () => {
    const incidents = detectText(readRealFixture('tr11-176B/eval-hang-45000-with-pulse-2022-05-01.log'));
    expect(kinds(incidents)).toEqual(['hang']);
    expect(incidents[0]).toMatchObject({
      severity: 'critical',
      iteration: 45000,
      offset: 479, // the `valid loss at iteration 45000` line: where it stopped
      resolvedAtMs: null,
      suggestedAction: { kind: 'stack_dump_then_resubmit' },
      details: { section: 'eval', evalGroupsSeen: 1 },
    });
  });

  it('live: steady steps never alarm; a stall alarms once past 3 × the median step', () => {
    const quiet = live(steps(1, 20, 0), 20 * 105);
    expect(quiet.detector.incidents()).toEqual([]);
    const { detector } = live(steps(1, 20, 0), 19 * 105 + 400);
    expect(detector.incidents()).toHaveLength(1);
    expect(detector.incidents()[0]).toMatchObject({ details: { section: 'step', deadlineMs: 315_000 } });
    // Opened at its deadline: the last iteration's time + 315 s.
    expect(detector.incidents()[0]?.openedAtMs).toBe((19 * 105 + 315) * 1000);
  });

  it('live: a 29-group eval round (25 s a group) never alarms once a round was seen; a stall mid-eval does', () => {
    const round = (it: number, start: number): [number, string][] =>
      Array.from({ length: 29 }, (_, g) => [start + 25 * (g + 1), validLine(it, `valid${g}`)]);
    const first = [...steps(990, 1000, 0), ...round(1000, 1050), ...steps(1001, 1010, 1050 + 29 * 25 + 105)];
    const t2 = 1050 + 29 * 25 + 105 + 9 * 105;
    const second = steps(1011, 1015, t2 + 105);
    const clean = live([...first, ...second], t2 + 700);
    expect(clean.detector.incidents()).toEqual([]);
    // Stalled after the first group of the next round: no line for 30 min.
    const stalled = live([...first, ...round(2000, t2 + 105).slice(0, 1)], t2 + 105 + 25 + 1800);
    expect(kinds(stalled.detector.incidents())).toEqual(['hang']);
    expect(stalled.detector.incidents()[0]?.details).toMatchObject({ section: 'eval', evalGroupsSeen: 1 });
  });

  it('live: after an iteration at the save interval, the learnt save time extends the deadline', () => {
    const save = (it: number) => savedLine(it).replace('39870.55', '200000.00');
    const t200 = 5 * 105 + 305 + 99 * 105;
    const base: [number, string][] = [
      ...steps(95, 100, 0),
      [5 * 105 + 200, save(100)],
      ...steps(101, 200, 5 * 105 + 305),
      [t200 + 200, save(200)],
      ...steps(201, 299, t200 + 305),
    ];
    const t299 = t200 + 305 + 98 * 105;
    // 400 s after iteration 299: no save due, an alarm.
    expect(kinds(live(base, t299 + 400).detector.incidents())).toEqual(['hang']);
    // 400 s after iteration 300 (a save is due every 100, and saves take 200 s here): no alarm.
    expect(live([...base, [t299 + 105, iterLine(300)]], t299 + 105 + 400).detector.incidents()).toEqual([]);
  });

  it('offline: hourly PULSE lines between regular iterations are no hang', () => {
    const text =
      runningPulse('2022-05-01 03:00:00') + iterLines(1, 34) + runningPulse('2022-05-01 04:00:00') + iterLines(35, 68);
    expect(detectText(text)).toEqual([]);
  });

  it('start-up: banner to first iteration has its own deadline (60 min unless configured)', () => {
    const text =
      runningPulse('2022-05-05 00:00:00') +
      banner(384, 8, 4, 12, 49212) +
      runningPulse('2022-05-05 00:50:00') +
      runningPulse('2022-05-05 01:50:00');
    const incidents = detectText(text);
    expect(kinds(incidents)).toEqual(['hang']);
    expect(incidents[0]?.details).toMatchObject({ section: 'startup', deadlineMs: 3_600_000 });
    // 50 min is within the default, not within a 30 min one.
    const short = runningPulse('2022-05-05 00:00:00') + banner(384, 8, 4, 12) + runningPulse('2022-05-05 00:50:00');
    expect(detectText(short)).toEqual([]);
    const configured = detectText(short, { deadlines: { ...DEFAULT_DEADLINES, startupMs: 30 * 60_000 } });
    expect(kinds(configured)).toEqual(['hang']);
  });

  it('no hang after a failure or an exit: the job ended or failure_silence owns it', () => {
    const text =
      runningPulse('2022-05-01 03:00:00') +
      iterLines(1, 3) +
      '[default0]:[exiting program after 5990.2 minutes] datetime: 2022-05-01 03:06:00 \n' +
      '[2022-05-01 05:00:00] ***ALERT: tr11-176B-ml is not RUNNING or SCHEDULED! Alert someone at Eng WG***\n';
    expect(kinds(detectText(text))).toEqual(['time_limit']);
  });
});
