// F9 node failure (`Node failure on <node>`, `DUE TO NODE FAILURE`), and F2: a failure in a later segment (often
// an OOM at a start-up barrier) on a node that an earlier segment's failure named. The node to exclude is the
// failed one the parser attributes, never the slurmstepd banner's `ON <node>`. One incident per segment.
// A specific failure that names no node is blamed on the job's only node, or on the node of srun's next
// `task N: Exited` line in the same segment (culprit.ts), so an ECC error at start-up is remembered against it.
import type { FailureEvent } from '../../log/events.js';
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { evidenceOf, newIncident, resumeText } from '../incidentBuilder.js';
import { blamedNodes, isSpecific, srunExitedNode } from './culprit.js';

export function createNodeFailureDetector(ctx: DetectContext): Detector {
  const found: Incident[] = [];
  /** node → segment of its last failure. */
  const failedIn = new Map<string, number>();
  let current: { segment: number; incident: Incident } | null = null;
  /** The segment of a specific failure that named no node: srun's exit line may name it. */
  let unattributedIn: number | null = null;

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

  function culprits(e: FailureEvent, seg: number): string[] {
    const blamed = blamedNodes(e, ctx.run);
    if (blamed.length > 0) return blamed;
    if (isSpecific(e)) {
      unattributedIn = seg;
      return [];
    }
    const exited = srunExitedNode(e);
    if (exited === null || unattributedIn !== seg) return [];
    unattributedIn = null;
    return [exited];
  }

  return {
    observe({ event: e, timeMs: t }: DetectInput) {
      if (e.type !== 'failure' || e.shutdownNoise) return;
      const seg = ctx.run.segment;
      const blamed = culprits(e, seg);
      const repeatNodes = [...new Set([...e.nodes, ...blamed])].filter((n) => {
        const s = failedIn.get(n);
        return s !== undefined && s < seg;
      });
      if (e.kind === 'node_failure' || repeatNodes.length > 0) report(e, t, repeatNodes);
      for (const n of blamed) failedIn.set(n, seg);
    },
    tick() {},
    incidents: () => found,
  };
}
