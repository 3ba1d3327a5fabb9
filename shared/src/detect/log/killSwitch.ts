// F18 kill switch: `[Detected kill switch at <path>. Exiting]`. Info: someone asked for it. Every array member then
// starts and exits at once; those exits join the same incident (details.exits) until an iteration is logged again.
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { evidenceOf, newIncident } from '../incidentBuilder.js';

const MAX_EVIDENCE = 6;

export function createKillSwitchDetector(ctx: DetectContext): Detector {
  const found: Incident[] = [];
  let open: Incident | null = null;
  let exits = 0;

  return {
    observe({ event: e, timeMs: t }: DetectInput) {
      if (e.type === 'iteration' && open !== null) {
        open.resolvedAtMs = t;
        open = null;
      }
      if (e.type !== 'exit' || e.reason !== 'kill_switch') return;
      if (open !== null) {
        exits += 1;
        if (open.evidence.length < MAX_EVIDENCE) open.evidence.push(evidenceOf(e, e.message));
        open.details = { ...open.details, exits };
        return;
      }
      exits = 1;
      open = newIncident(ctx, {
        kind: 'kill_switch',
        severity: 'info',
        title: `Kill switch: the job saved and exited${e.iteration === null ? '' : ` at iteration ${e.iteration}`}`,
        evidence: [evidenceOf(e, e.message)],
        openedAtMs: t,
        action: { kind: 'none', text: 'Disarm the kill switch before resubmitting, or every new job exits at once' },
        details: { exits },
      });
      found.push(open);
    },
    tick() {},
    incidents: () => found,
  };
}
