import { describe, expect, it } from 'vitest';
import { parseText } from '../testing/parseAll.js';
import { iterLines, runningPulse } from '../testing/detectLog.js';
import type { Detector } from './detector.js';
import type { Incident } from './incident.js';
import { createDetectorSet, runDetectors } from './runDetectors.js';

/** A detector that reports one incident per observed event, at a given key. */
function fake(keys: (offset: number) => string, kind: Incident['kind'] = 'crash'): () => Detector {
  return () => {
    const found: Incident[] = [];
    return {
      observe({ event, timeMs }) {
        found.push({
          key: keys(event.offset),
          kind,
          severity: 'info',
          title: 't',
          iteration: null,
          offset: event.offset,
          evidence: [{ offset: event.offset, line: event.line, text: 'x' }],
          suggestedAction: null,
          workLostIterations: null,
          openedAtMs: timeMs,
          resolvedAtMs: null,
        });
      },
      tick() {},
      incidents: () => found,
    };
  };
}

describe('runDetectors', () => {
  it('keeps one incident per key, sorted by offset, times in epoch ms once the log carried a stamp', () => {
    const { events } = parseText(runningPulse('2022-05-01 03:00:00') + iterLines(1, 2));
    const incidents = runDetectors([...events].reverse(), { factories: [fake(() => 'same'), fake((o) => `k${o}`)] });
    expect(incidents.map((i) => i.key)).toEqual(['same', 'k0', expect.stringMatching(/^k\d+$/), expect.any(String)]);
    expect(incidents.map((i) => i.offset)).toEqual([...incidents.map((i) => i.offset)].sort((a, b) => a! - b!));
    expect(incidents[0]?.openedAtMs).toBe(Date.UTC(2022, 4, 1, 3, 0, 0));
  });

  it('the streaming set gives the same incidents whatever the batches', () => {
    const text = iterLines(1, 5) + '[default3]:RuntimeError: CUDA error: unknown error\n';
    const { events } = parseText(text);
    const set = createDetectorSet();
    for (const e of events) set.observe([e]);
    expect(set.finish()).toEqual(runDetectors(events));
  });
});
