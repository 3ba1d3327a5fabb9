// A stack dump taken while a job hangs (issue 15: stackDump before cancelling) must not look like a crash, and
// must not look like progress: the hang stays open, no crash or failure incident appears.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../log/events.js';
import { detectText, iterLine, kinds } from '../../testing/detectLog.js';
import { parseText } from '../../testing/parseAll.js';
import { faulthandlerDump } from '../../testing/stackDump.js';
import { defaultDetectors, dedupeIncidents } from '../runDetectors.js';
import { RunTracker } from '../runState.js';

const readRealFixture = (file: string): string =>
  readFileSync(new URL(`../../../../../shared/fixtures/megatron-logs/${file}`, import.meta.url), 'utf8');

describe('detectors: a stack dump in a hung job’s log', () => {
  it('the real tr11 eval hang with a dump appended: one hang, still open, no crash', () => {
    const text = readRealFixture('tr11-176B/eval-hang-45000-with-pulse-2022-05-01.log');
    const incidents = detectText(text + faulthandlerDump('[default0]:') + faulthandlerDump());
    expect(kinds(incidents)).toEqual(['hang']);
    expect(incidents[0]).toMatchObject({ resolvedAtMs: null, details: { section: 'eval' } });
  });

  it('live: steps, silence past the deadline, then the dump arrives: the hang stays open, nothing else opens', () => {
    const run = new RunTracker();
    const detectors = defaultDetectors().map((make) => make({ run }));
    const feed = (text: string, atS: number) => {
      for (const event of parseText(text).events as LogEvent[]) {
        run.update(event);
        for (const d of detectors) d.observe({ event, timeMs: atS * 1000 });
      }
    };
    for (let i = 1; i <= 20; i++) feed(iterLine(i), i * 105);
    for (let t = 2100; t <= 3000; t += 15) for (const d of detectors) d.tick(t * 1000);
    feed(faulthandlerDump('[default0]:'), 3010);
    for (const d of detectors) d.tick(3100_000);
    const incidents = dedupeIncidents(detectors.flatMap((d) => d.incidents()));
    expect(kinds(incidents)).toEqual(['hang']);
    expect(incidents[0]!.resolvedAtMs).toBeNull();
  });
});
