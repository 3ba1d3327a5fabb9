// F7 live: the nodes poller's nvidia-smi samples feed the incident detection, so an open throughput regression names
// its suspect node. Polling stays bounded: a run nobody views is probed only while it has an open throughput
// regression (re-watched each period, dropped by the poller's watch TTL once the regression resolves).
import type { NodesService } from '../nodes/nodes.service.js';
import type { IncidentsService } from './incidents.service.js';

export interface GpuFactsFeed {
  stop(): void;
}

export function connectGpuFacts(
  nodes: Pick<NodesService, 'watch' | 'onGpus'>,
  incidents: Pick<IncidentsService, 'wantsGpus' | 'observeGpus'>,
  periodMs = 15_000,
): GpuFactsFeed {
  const off = nodes.onGpus((runId, facts) => incidents.observeGpus(runId, facts));
  const timer = setInterval(() => {
    for (const runId of incidents.wantsGpus()) nodes.watch(runId);
  }, periodMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      off();
    },
  };
}
