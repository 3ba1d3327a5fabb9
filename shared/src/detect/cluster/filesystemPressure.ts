// F17 filesystem pressure: the checkpoint filesystem's free space against what the run writes (the latest
// checkpoint's size × the save cadence). tr11 wrote 2.3 TB every ~3 h into a 400 TB quota; BigScience's daily
// watchdog alerted above 75 % used. Warning past 75 % or when fewer than 5 more saves (or a day of saves) fit;
// critical when fewer than 2 fit. Cleared below 74 % with room again (a point of hysteresis so a disk hovering at
// the threshold does not flap).
import type { DetectContext, Detector } from '../detector.js';
import type { FilesystemFact } from '../clusterFacts.js';
import { createConditionTracker, round, type Finding } from './condition.js';

export const USED_PCT_WARN = 75;
const USED_PCT_CLEAR = 74;
export const FIT_WARN = 5;
export const FIT_CRITICAL = 2;
const HOURS_WARN = 24;

export function createFilesystemPressureDetector(_ctx?: DetectContext): Detector {
  const tracker = createConditionTracker('filesystem_pressure', 1);
  let open = false;
  return {
    observe() {},
    tick() {},
    incidents: () => tracker.incidents(),
    observeCluster(facts) {
      if (facts.runEnded) {
        open = false;
        return tracker.resolveAll(facts.timeMs);
      }
      if (facts.filesystem === null) return;
      const finding = filesystemPressure(facts.filesystem, open);
      open = finding !== null;
      tracker.update(facts.timeMs, finding ? [finding] : []);
    },
  };
}

export interface DiskOutlook {
  usedPct: number;
  checkpointsThatFit: number | null;
  hoursUntilFull: number | null;
}

export function diskOutlook(fs: FilesystemFact): DiskOutlook {
  // df's own Use%: of the space users can have (blocks reserved for root are in neither used nor available).
  const usable = fs.usedBytes + fs.availableBytes;
  const usedPct = usable > 0 ? (100 * fs.usedBytes) / usable : 0;
  const per = fs.checkpointBytes !== null && fs.checkpointBytes > 0 ? fs.checkpointBytes : null;
  const fit = per === null ? null : Math.floor(fs.availableBytes / per);
  const hours =
    per === null || fs.saveIntervalMs === null || fs.saveIntervalMs <= 0
      ? null
      : ((fs.availableBytes / per) * fs.saveIntervalMs) / 3_600_000;
  return { usedPct, checkpointsThatFit: fit, hoursUntilFull: hours };
}

/** `wasOpen`: an open incident clears only below the lower threshold. */
export function filesystemPressure(fs: FilesystemFact, wasOpen = false): Finding | null {
  const o = diskOutlook(fs);
  const fit = o.checkpointsThatFit;
  const lowRoom = (fit !== null && fit < FIT_WARN) || (o.hoursUntilFull !== null && o.hoursUntilFull < HOURS_WARN);
  const full = o.usedPct > USED_PCT_WARN || (wasOpen && o.usedPct >= USED_PCT_CLEAR);
  if (!full && !lowRoom) return null;
  const critical = fit !== null && fit < FIT_CRITICAL;
  const room =
    fit === null
      ? 'no checkpoint measured yet'
      : `${fit} more checkpoint(s) of ${gb(fs.checkpointBytes ?? 0)} fit${o.hoursUntilFull === null ? '' : `, full in ~${round(o.hoursUntilFull, 1)} h at the current cadence`}`;
  return {
    subject: fs.path,
    severity: critical ? 'critical' : 'warning',
    title: `Checkpoint filesystem ${round(o.usedPct)} % used: ${room}`,
    evidence: [
      {
        offset: null,
        line: null,
        text: `${fs.path}: ${gb(fs.usedBytes)} used of ${gb(fs.totalBytes)}, ${gb(fs.availableBytes)} free`,
      },
    ],
    action: {
      kind: 'none',
      text: 'Apply a retention policy: keep every 1000th checkpoint and the last N, delete the others; never delete a pinned checkpoint or the latest good one',
    },
    details: {
      path: fs.path,
      usedPct: round(o.usedPct, 1),
      checkpointsThatFit: fit,
      hoursUntilFull: o.hoursUntilFull === null ? null : round(o.hoursUntilFull, 1),
      availableBytes: fs.availableBytes,
      checkpointBytes: fs.checkpointBytes,
    },
  };
}

function gb(bytes: number): string {
  if (bytes >= 1e12) return `${round(bytes / 1e12, 1)} TB`;
  return `${round(bytes / 1e9, 1)} GB`;
}
