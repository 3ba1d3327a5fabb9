// The cluster-state detectors (F10–F13, F17): fed only by `observeCluster` (the live server's ClusterFacts), so an
// offline replay of a log leaves them silent.
import type { DetectorFactory } from '../detector.js';
import { createFilesystemPressureDetector } from './filesystemPressure.js';
import { createMaintenanceDetector } from './maintenance.js';
import { createNothingRunningDetector } from './nothingRunning.js';
import { createPendingIdleDetector } from './pendingIdle.js';
import { createTooFewNodesDetector } from './tooFewNodes.js';

export const CLUSTER_DETECTOR_FACTORIES: DetectorFactory[] = [
  createNothingRunningDetector,
  createPendingIdleDetector,
  createTooFewNodesDetector,
  createMaintenanceDetector,
  createFilesystemPressureDetector,
];
