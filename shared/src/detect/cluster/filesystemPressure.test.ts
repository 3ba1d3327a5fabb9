import { describe, expect, it } from 'vitest';
import type { FilesystemFact } from '../clusterFacts.js';
import { clusterFacts } from '../../testing/clusterFacts.js';
import { createFilesystemPressureDetector, diskOutlook, filesystemPressure } from './filesystemPressure.js';

const TB = 1e12;
const H = 3_600_000;
/** tr11: 2.3 TB per save every ~3 h into a 400 TB quota. */
const tr11 = (usedTB: number, over: Partial<FilesystemFact> = {}): FilesystemFact => ({
  path: '/gpfsscratch/six/checkpoints',
  totalBytes: 400 * TB,
  usedBytes: usedTB * TB,
  availableBytes: (400 - usedTB) * TB,
  checkpointBytes: 2.3 * TB,
  saveIntervalMs: 3 * H,
  ...over,
});

describe('filesystem_pressure (F17)', () => {
  it('computes used %, checkpoints that fit and hours until full from the cadence', () => {
    const o = diskOutlook(tr11(380));
    expect(o.usedPct).toBeCloseTo(95);
    expect(o.checkpointsThatFit).toBe(8); // 20 TB / 2.3 TB
    expect(o.hoursUntilFull).toBeCloseTo((20 / 2.3) * 3, 5);
    expect(diskOutlook(tr11(100, { checkpointBytes: null })).checkpointsThatFit).toBeNull();
    expect(diskOutlook(tr11(100, { saveIntervalMs: null })).hoursUntilFull).toBeNull();
    // As df's Use%: root's reserved blocks count neither as used nor as available.
    const reserved = {
      path: '/x',
      totalBytes: 270,
      usedBytes: 25,
      availableBytes: 83,
      checkpointBytes: null,
      saveIntervalMs: null,
    };
    expect(diskOutlook(reserved).usedPct).toBeCloseTo((100 * 25) / 108);
  });

  it('healthy below 75 % with room for many saves; warns above 75 % (the BigScience watchdog)', () => {
    expect(filesystemPressure(tr11(200))).toBeNull();
    const f = filesystemPressure(tr11(320));
    expect(f).toMatchObject({ severity: 'warning', details: { usedPct: 80, checkpointsThatFit: 34 } });
    expect(f?.action?.text).toMatch(/every 1000th.*never delete a pinned checkpoint or the latest good one/);
  });

  it('warns when fewer than 5 saves or a day of saves fit, critical when fewer than 2 fit', () => {
    const small = (availTB: number) =>
      filesystemPressure({
        path: '/s',
        totalBytes: 10_000 * TB,
        usedBytes: 100 * TB,
        availableBytes: availTB * TB,
        checkpointBytes: 2.3 * TB,
        saveIntervalMs: 3 * H,
      });
    expect(small(50)).toBeNull(); // 21 fit, 65 h
    expect(small(15)?.severity).toBe('warning'); // 6 fit but 19.6 h
    expect(small(9)?.details).toMatchObject({ checkpointsThatFit: 3 });
    expect(small(4)?.severity).toBe('critical'); // 1 fits
    expect(small(4)?.title).toContain('1 more checkpoint(s)');
  });

  it('opens, escalates, clears with a point of hysteresis; unknown disk facts change nothing', () => {
    const d = createFilesystemPressureDetector();
    const at = (t: number, fs: FilesystemFact | null) => d.observeCluster!(clusterFacts({ timeMs: t, filesystem: fs }));
    at(1, tr11(310));
    expect(d.incidents()[0]).toMatchObject({
      severity: 'warning',
      key: 'filesystem_pressure:/gpfsscratch/six/checkpoints:t1',
    });
    at(2, null);
    at(3, tr11(396));
    expect(d.incidents()[0]?.severity).toBe('critical');
    at(4, tr11(298)); // 74.5 %: still open
    expect(d.incidents()[0]?.resolvedAtMs).toBeNull();
    at(5, tr11(290)); // 72.5 %
    expect(d.incidents()[0]?.resolvedAtMs).toBe(5);
    at(6, tr11(298)); // 74.5 % after clearing: not reopened
    expect(d.incidents()).toHaveLength(1);
  });
});
