// One followed run's detection state: the shared detectors (shared/src/detect) fed the run's committed events with
// their stored times (arrival times live), ticked while the run's job runs, told the job's Slurm facts. Memory is
// the detectors' own: rolling windows and learnt deadlines, plus the incidents they found (one per failure group).
import type { ClusterFacts, NodeGpuFacts } from '@trainboard/shared/detect/clusterFacts';
import type { DetectContext, Detector, JobFacts } from '@trainboard/shared/detect/detector';
import type { Incident } from '@trainboard/shared/detect/incident';
import type { DeadlineOptions } from '@trainboard/shared/detect/rhythm';
import { dedupeIncidents, defaultDetectors } from '@trainboard/shared/detect/runDetectors';
import { RunTracker } from '@trainboard/shared/detect/runState';
import type { FeedItem } from './feed.js';

export interface RunDetection {
  /** A page of committed events in log order. */
  observe(items: readonly FeedItem[]): void;
  /** Time passes with nothing committed (hangs, silence after a failure). */
  tick(nowMs: number): void;
  observeJob(facts: JobFacts): void;
  /** The scheduler's and the filesystem's view of the run (the cluster-state detectors, F10–F13, F17). */
  observeCluster(facts: ClusterFacts): void;
  /** One node's GPUs (nvidia-smi), to name a throughput regression's suspect node (F7). */
  observeGpus(facts: NodeGpuFacts): void;
  /** Every incident found so far (open and resolved), one per failure group. */
  incidents(): Incident[];
  /** The time of the newest event seen, or null before any. */
  lastTimeMs(): number | null;
}

export function createRunDetection(deadlines?: DeadlineOptions): RunDetection {
  const run = new RunTracker();
  const ctx: DetectContext = { run };
  const detectors: Detector[] = defaultDetectors(deadlines).map((make) => make(ctx));
  let last: number | null = null;
  return {
    observe(items) {
      for (const { event, timeMs } of items) {
        // An undated row (an import's start-up lines before any anchor) takes the newest time seen: never backwards.
        const t = Math.max(timeMs ?? last ?? 0, last ?? 0);
        last = t;
        run.update(event);
        for (const d of detectors) d.observe({ event, timeMs: t });
      }
    },
    tick(nowMs) {
      for (const d of detectors) d.tick(nowMs);
    },
    observeJob(facts) {
      for (const d of detectors) d.observeJob?.(facts);
    },
    observeCluster(facts) {
      for (const d of detectors) d.observeCluster?.(facts);
    },
    observeGpus(facts) {
      for (const d of detectors) d.observeGpus?.(facts);
    },
    incidents: () => dedupeIncidents(detectors.flatMap((d) => d.incidents())),
    lastTimeMs: () => last,
  };
}
