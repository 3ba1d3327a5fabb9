// Replays a log's events through every detector with the log's own clock (logClock.ts) and returns the incidents
// in file order, one per failure group. `createDetectorSet` is the streaming form (the CLI feeds it chunk by chunk).
import type { LogEvent } from '../log/events.js';
import type { DetectContext, DetectorFactory } from './detector.js';
import type { Incident } from './incident.js';
import { clusterDetectorFactories, type ClusterDetectorOptions } from './cluster/index.js';
import { createSlurmNodeFailureDetector, sameNodeFailure } from './cluster/slurmNodeFailure.js';
import { createCrashDetector } from './log/crash.js';
import { createFailureSilenceDetector } from './log/failureSilence.js';
import { createHangDetector } from './log/hang.js';
import { createKillSwitchDetector } from './log/killSwitch.js';
import { createNodeFailureDetector } from './log/nodeFailure.js';
import { createRestartDetector } from './log/restart.js';
import { createTimeLimitDetector } from './log/timeLimit.js';
import { createTopologyDetector } from './log/topology.js';
import { LogClock } from './logClock.js';
import { METRIC_DETECTOR_FACTORIES } from './metrics/index.js';
import { type DeadlineOptions } from './rhythm.js';
import { RunTracker } from './runState.js';

export interface DetectOptions {
  deadlines?: DeadlineOptions;
  /** Detectors to run instead of the default set (tests). */
  factories?: DetectorFactory[];
}

export type { ClusterDetectorOptions };

export function defaultDetectors(deadlines?: DeadlineOptions, cluster?: ClusterDetectorOptions): DetectorFactory[] {
  return [
    createCrashDetector,
    createNodeFailureDetector,
    createTimeLimitDetector,
    createKillSwitchDetector,
    createRestartDetector,
    createTopologyDetector,
    (ctx) => createHangDetector(ctx, deadlines),
    (ctx) => createFailureSilenceDetector(ctx, deadlines),
    ...METRIC_DETECTOR_FACTORIES,
    ...clusterDetectorFactories(cluster),
    createSlurmNodeFailureDetector,
  ];
}

export interface DetectorSet {
  /** A batch of parser events (one push); sorted by offset before the detectors see them. */
  observe(events: Iterable<LogEvent>): void;
  /** Ends the replay (one tick at the last time seen) and returns the incidents, file order, times in epoch ms. */
  finish(): Incident[];
}

export function createDetectorSet(opts: DetectOptions = {}): DetectorSet {
  const run = new RunTracker();
  const clock = new LogClock();
  const ctx: DetectContext = { run };
  const detectors = (opts.factories ?? defaultDetectors(opts.deadlines)).map((make) => make(ctx));
  return {
    observe(events) {
      // File order within a batch: a multi-line record (a failure group, the banner) is emitted when it closes,
      // after the lines that closed it, which must not be seen first (a job start after the crash it ends).
      for (const event of [...events].sort((a, b) => a.offset - b.offset)) {
        const timeMs = clock.observe(event);
        run.update(event);
        for (const d of detectors) d.observe({ event, timeMs });
      }
    },
    finish() {
      for (const d of detectors) d.tick(clock.nowMs);
      const all = detectors.flatMap((d) => d.incidents());
      return dedupeIncidents(all)
        .map((i) => toEpoch(i, clock))
        .sort(byOffset);
    },
  };
}

export function runDetectors(events: Iterable<LogEvent>, opts?: DetectOptions): Incident[] {
  const set = createDetectorSet(opts);
  set.observe(events);
  return set.finish();
}

/**
 * One incident per failure group: the same key once, and a crash whose failure group is also a node failure
 * (F2's start-up OOM on the node that failed before) is reported as the node failure, with its failure kind.
 */
export function dedupeIncidents(all: Incident[]): Incident[] {
  const byKey = new Map<string, Incident>();
  for (const i of all) if (!byKey.has(i.key)) byKey.set(i.key, i);
  const nodeOffsets = new Set(
    [...byKey.values()].filter((i) => i.kind === 'node_failure').flatMap((i) => i.evidence.map((e) => e.offset)),
  );
  const fromLog = [...byKey.values()].filter((i) => i.kind === 'node_failure' && i.details?.source !== 'slurm');
  return [...byKey.values()].filter(
    (i) => !(i.kind === 'crash' && nodeOffsets.has(i.offset)) && !(isSlurmNodeFailure(i) && repeatsLog(i, fromLog)),
  );
}

function isSlurmNodeFailure(i: Incident): boolean {
  return i.kind === 'node_failure' && i.details?.source === 'slurm';
}

const nodesOf = (i: Incident) => i.suggestedAction?.nodes ?? [];

/** The log already reported this node failure (same node, near in time): Slurm's view adds nothing to act on. */
function repeatsLog(i: Incident, fromLog: Incident[]): boolean {
  const slurm = { openedAtMs: i.openedAtMs, nodes: nodesOf(i) };
  return fromLog.some((l) => sameNodeFailure(slurm, { openedAtMs: l.openedAtMs, nodes: nodesOf(l) }));
}

function toEpoch(i: Incident, clock: LogClock): Incident {
  return {
    ...i,
    openedAtMs: clock.toEpoch(i.openedAtMs),
    resolvedAtMs: i.resolvedAtMs === null ? null : clock.toEpoch(i.resolvedAtMs),
  };
}

function byOffset(a: Incident, b: Incident): number {
  return (a.offset ?? Infinity) - (b.offset ?? Infinity) || a.openedAtMs - b.openedAtMs;
}
