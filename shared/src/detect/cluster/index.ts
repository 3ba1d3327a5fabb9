// The cluster-state detectors (F10–F13, F17): fed only by `observeCluster` (the live server's ClusterFacts), so an
// offline replay of a log leaves them silent.
import type { DetectorFactory } from '../detector.js';
import { createFilesystemPressureDetector } from './filesystemPressure.js';
import { createMaintenanceDetector } from './maintenance.js';
import { createNothingRunningDetector } from './nothingRunning.js';
import { createPendingIdleDetector } from './pendingIdle.js';
import { createTooFewNodesDetector } from './tooFewNodes.js';

/** Knobs of the cluster-state detectors (defaults when absent); tests and the server's env shorten them. */
export interface ClusterDetectorOptions {
  /** pending_idle: how long a job must wait with idle nodes before it is reported (default 2 min). */
  pendingIdleConfirmMs?: number;
}

export function clusterDetectorFactories(opts: ClusterDetectorOptions = {}): DetectorFactory[] {
  return [
    createNothingRunningDetector,
    (ctx) =>
      createPendingIdleDetector(
        ctx,
        opts.pendingIdleConfirmMs === undefined ? {} : { confirmMs: opts.pendingIdleConfirmMs },
      ),
    createTooFewNodesDetector,
    createMaintenanceDetector,
    createFilesystemPressureDetector,
  ];
}

export const CLUSTER_DETECTOR_FACTORIES: DetectorFactory[] = clusterDetectorFactories();
