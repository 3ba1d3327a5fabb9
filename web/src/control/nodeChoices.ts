// The nodes an operator can exclude: every node a job of the run ran on, and every node a failure named, each with
// why it is listed, the suspects first. The choice becomes one hostlist, checked against the same pattern the server
// applies, so an invalid name is caught before a preview is asked for.
import { HOSTLIST } from '@trainboard/shared/slurm/submit';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import type { Job, RunNodes } from '../api.js';

export interface NodeChoice {
  name: string;
  /** Why the node is listed, in words (`ran job 1234; named by node_failure`). */
  why: string;
  suspect: boolean;
  /** Already in the run's exclude list. */
  excluded: boolean;
}

export function nodeChoices(jobs: readonly Job[], nodes: RunNodes | null, excludeNodes: string | null): NodeChoice[] {
  const why = new Map<string, string[]>();
  const suspects = new Set<string>();
  const add = (name: string, reason: string) => {
    const reasons = why.get(name) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    why.set(name, reasons);
  };
  for (const job of jobs) for (const n of expandHostlist(job.nodeList)) add(n, `ran job ${job.jobId}`);
  for (const tile of nodes?.nodes ?? []) {
    if (!tile.suspect) continue;
    suspects.add(tile.name);
    add(tile.name, `named by ${tile.suspect.text} (${tile.suspect.count}×)`);
  }
  const excluded = new Set(expandHostlist(excludeNodes));
  return [...why.entries()]
    .map(([name, reasons]) => ({
      name,
      why: reasons.join('; '),
      suspect: suspects.has(name),
      excluded: excluded.has(name),
    }))
    .sort((a, b) => Number(b.suspect) - Number(a.suspect) || a.name.localeCompare(b.name, 'en', { numeric: true }));
}

/** The chosen nodes as one hostlist (`c1,c4`), or why they cannot be sent. */
export function excludeHostlist(chosen: readonly string[]): { ok: true; nodes: string } | { ok: false; why: string } {
  if (chosen.length === 0) return { ok: false, why: 'Choose at least one node to exclude.' };
  const nodes = [...new Set(chosen)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).join(',');
  if (!HOSTLIST.test(nodes)) return { ok: false, why: 'A node name has characters Slurm does not accept.' };
  return { ok: true, nodes };
}
