// F16 topology change: a banner whose world size, DP, TP or PP differs from the previous banner's. Info: the
// throughput baseline starts again (per GPU), and the ETA must be recomputed.
import type { RunConfig } from '../../log/events.js';
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { evidenceOf, newIncident } from '../incidentBuilder.js';

const FIELDS = ['worldSize', 'dataParallel', 'tensorParallel', 'pipelineParallel'] as const;
const SHORT: Record<(typeof FIELDS)[number], string> = {
  worldSize: 'W',
  dataParallel: 'DP',
  tensorParallel: 'TP',
  pipelineParallel: 'PP',
};

function layout(c: RunConfig): string {
  return FIELDS.map((f) => `${SHORT[f]}=${c[f] ?? '?'}`).join(' ');
}

export function createTopologyDetector(ctx: DetectContext): Detector {
  const found: Incident[] = [];
  let previous: RunConfig | null = null;

  return {
    observe({ event: e, timeMs: t }: DetectInput) {
      if (e.type !== 'run_start') return;
      const before = previous;
      previous = e.config;
      if (before === null) return;
      const changed = FIELDS.filter(
        (f) => before[f] !== undefined && e.config[f] !== undefined && before[f] !== e.config[f],
      );
      if (changed.length === 0) return;
      const inc = newIncident(ctx, {
        kind: 'topology_change',
        severity: 'info',
        title: `Topology changed: ${layout(before)} → ${layout(e.config)}`,
        evidence: [evidenceOf(e, `using world size: ${e.config.worldSize ?? '?'}`)],
        openedAtMs: t,
        action: null,
        workLostIterations: null,
        details: Object.fromEntries(
          changed.flatMap((f) => [
            [`${f}Before`, before[f] ?? null],
            [`${f}After`, e.config[f] ?? null],
          ]),
        ),
      });
      inc.resolvedAtMs = t;
      found.push(inc);
    },
    tick() {},
    incidents: () => found,
  };
}
