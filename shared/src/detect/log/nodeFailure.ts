// F9 node failure (`Node failure on <node>`, `DUE TO NODE FAILURE`), and F2: a failure in a later segment (often
// an OOM at a start-up barrier) on a node that an earlier segment's failure named. The node to exclude is the
// failed one the parser attributes, never the slurmstepd banner's `ON <node>`. One incident per segment.
import type { FailureEvent } from '../../log/events.js';
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { GENERIC_KINDS, JOB_END_KINDS, evidenceOf, newIncident, resumeText } from '../incidentBuilder.js';

/**
 * Whether a failure's node list names the culprit: a node failure, a specific error, or a torchelastic Root Cause
 * block (globalRank set). A bare task exit lists every node of the step, and a scheduler end names none.
 */
function namesCulprit(e: FailureEvent): boolean {
  if (e.kind === 'node_failure' || e.globalRank !== null) return true;
  return !GENERIC_KINDS.has(e.kind) && !JOB_END_KINDS.has(e.kind);
}

export function createNodeFailureDetector(ctx: DetectContext): Detector {
  const found: Incident[] = [];
  /** node → segment of its last failure. */
  const failedIn = new Map<string, number>();
  let current: { segment: number; incident: Incident } | null = null;

  function report(e: FailureEvent, t: number, repeatNodes: string[]): void {
    const nodes = repeatNodes.length > 0 ? repeatNodes : e.nodes;
    if (current !== null && current.segment === ctx.run.segment) {
      const inc = current.incident;
      inc.evidence.push(evidenceOf(e, e.message, e.nodes));
      const all = [...new Set([...(inc.suggestedAction?.nodes ?? []), ...nodes])];
      inc.suggestedAction = { kind: 'exclude_and_resubmit', nodes: all, text: excludeText(all) };
      if (repeatNodes.length > 0) inc.details = { ...inc.details, repeat: true };
      return;
    }
    const repeat = repeatNodes.length > 0;
    const inc = newIncident(ctx, {
      kind: 'node_failure',
      severity: 'critical',
      failureKind: e.kind,
      title: repeat
        ? `${nodes.join(', ')} failed again after a restart (${e.kind})`
        : `Node failure on ${nodes.join(', ') || 'an unnamed node'}`,
      evidence: [evidenceOf(e, e.message, e.nodes)],
      openedAtMs: t,
      action: { kind: 'exclude_and_resubmit', nodes, text: excludeText(nodes) },
      details: { repeat, nodes: nodes.join(',') },
    });
    current = { segment: ctx.run.segment, incident: inc };
    found.push(inc);
  }

  function excludeText(nodes: string[]): string {
    return `Exclude ${nodes.join(', ') || 'the failed node'} and resubmit ${resumeText(ctx)}`;
  }

  return {
    observe({ event: e, timeMs: t }: DetectInput) {
      if (e.type !== 'failure' || e.shutdownNoise) return;
      const seg = ctx.run.segment;
      const repeatNodes = e.nodes.filter((n) => {
        const s = failedIn.get(n);
        return s !== undefined && s < seg;
      });
      if (e.kind === 'node_failure' || repeatNodes.length > 0) report(e, t, repeatNodes);
      if (namesCulprit(e)) for (const n of e.nodes) failedIn.set(n, seg);
    },
    tick() {},
    incidents: () => found,
  };
}
