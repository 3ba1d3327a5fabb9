// The cluster-state facts of one followed run on their way to its detectors. Gathering is async (squeue, sinfo,
// scontrol, df/du over SSH) while detection stays sync: a tick starts a gather unless one is in flight, and the
// facts are applied when they arrive (or at the next tick when the run's rows are being read just then).
import type { ClusterFacts } from '@trainboard/shared/detect/clusterFacts';
import type { IncidentKind } from '@trainboard/shared/detect/incident';
import type { Logger } from 'pino';
import type { ClusterFactsSource } from './clusterFacts.js';

export interface ClusterFeed {
  inFlight: boolean;
  /** Facts that arrived while they could not be applied. */
  pending: ClusterFacts | null;
  /** Facts applied by this process. */
  applied: number;
}

export const newClusterFeed = (): ClusterFeed => ({ inFlight: false, pending: null, applied: 0 });

/** The kinds only the cluster-state detectors open (their incidents are not re-derived by a replay of the log). */
export const CLUSTER_KINDS: ReadonlySet<IncidentKind> = new Set<IncidentKind>([
  'nothing_running',
  'pending_idle',
  'too_few_nodes',
  'maintenance',
  'filesystem_pressure',
]);

/**
 * Observations after which an open cluster-state incident stored by an earlier process, and not found again by
 * this one, is resolved: more than any detector's confirmation (2), so a condition that still holds has had its
 * chance to be found (as a new incident: its open time is part of its key).
 */
export const STALE_AFTER_OBSERVATIONS = 3;

export function isClusterKey(key: string): boolean {
  return CLUSTER_KINDS.has(key.slice(0, key.indexOf(':')) as IncidentKind);
}

/** Starts one gather unless one is in flight; `arrived` runs with the facts (never with an error: it is logged). */
export function requestFacts(
  source: ClusterFactsSource,
  runId: number,
  feed: ClusterFeed,
  logger: Logger,
  arrived: () => void,
): void {
  if (feed.inFlight) return;
  feed.inFlight = true;
  source
    .gather(runId)
    .then((facts) => {
      feed.inFlight = false;
      if (!facts) return;
      feed.pending = facts;
      arrived();
    })
    .catch((err: unknown) => {
      feed.inFlight = false;
      logger.error({ err, runId }, 'cluster facts: the gather failed');
    });
}

/** The facts waiting to be applied, once. */
export function takeFacts(feed: ClusterFeed): ClusterFacts | null {
  const facts = feed.pending;
  feed.pending = null;
  if (facts) feed.applied++;
  return facts;
}
