// F7: which node of the job is the straggler. One slow GPU holds every all-reduce back, so the whole job slows
// while only that GPU looks wrong in nvidia-smi: a low SM clock against its max (thermal or power throttling),
// a high temperature, or low utilisation while the others are busy. Each GPU is judged against the median of the
// job's other GPUs, so an idle job (every clock low) or a site-wide power cap (every GPU alike) names nobody.
import type { GpuFact, NodeGpuFacts } from '../clusterFacts.js';
import { median } from './robust.js';

export interface SuspectOptions {
  /** SM clock / max below this, and this much below the others' median ratio. */
  clockRatio: number;
  clockGap: number;
  /** Temperature at or above this, and this many degrees above the others' median. */
  hotC: number;
  hotGapC: number;
  /** Utilisation this many points below the others' median, when that median shows a busy job. */
  utilGap: number;
  busyUtil: number;
}

export const DEFAULT_SUSPECTS: SuspectOptions = {
  clockRatio: 0.8,
  clockGap: 0.2,
  hotC: 85,
  hotGapC: 10,
  utilGap: 30,
  busyUtil: 60,
};

export interface SuspectGpu {
  node: string;
  gpu: GpuFact;
  /** "GPU 0 on c1: SM clock 600 of 1410 MHz, 89 °C" */
  text: string;
}

interface Flat {
  node: string;
  gpu: GpuFact;
}

const ratio = (g: GpuFact) =>
  g.smClockMhz !== null && g.maxSmClockMhz !== null && g.maxSmClockMhz > 0 ? g.smClockMhz / g.maxSmClockMhz : null;

/** Median of one measure over the GPUs other than `skip`, or null when none report it. */
function othersMedian(all: readonly Flat[], skip: Flat, pick: (g: GpuFact) => number | null): number | null {
  const values = all.filter((f) => f !== skip).flatMap((f) => (pick(f.gpu) === null ? [] : [pick(f.gpu)!]));
  return values.length ? median(values) : null;
}

function verdict(all: readonly Flat[], f: Flat, o: SuspectOptions): { clock: boolean; hot: boolean; idle: boolean } {
  const r = ratio(f.gpu);
  const rOthers = othersMedian(all, f, ratio);
  const t = f.gpu.temperatureC;
  const tOthers = othersMedian(all, f, (g) => g.temperatureC);
  const u = f.gpu.utilizationPct;
  const uOthers = othersMedian(all, f, (g) => g.utilizationPct);
  return {
    clock: r !== null && rOthers !== null && r < o.clockRatio && r <= rOthers - o.clockGap,
    hot: t !== null && tOthers !== null && t >= o.hotC && t >= tOthers + o.hotGapC,
    idle: u !== null && uOthers !== null && uOthers >= o.busyUtil && u <= uOthers - o.utilGap,
  };
}

function describeGpu(f: Flat, v: { idle: boolean }): string {
  const g = f.gpu;
  const parts: string[] = [];
  if (g.smClockMhz !== null) {
    parts.push(`SM clock ${g.smClockMhz}${g.maxSmClockMhz !== null ? ` of ${g.maxSmClockMhz}` : ''} MHz`);
  }
  if (g.temperatureC !== null) parts.push(`${g.temperatureC} °C`);
  if ((v.idle || parts.length === 0) && g.utilizationPct !== null) parts.push(`${g.utilizationPct}% busy`);
  return `GPU ${g.index} on ${f.node}: ${parts.join(', ')}`;
}

/**
 * The GPUs that stand out from the rest of the job, node by node in the order given. Nobody is named when more
 * than half of the job's nodes stand out (that is the job's normal, not one bad node), or from one GPU alone.
 */
export function suspectGpus(facts: readonly NodeGpuFacts[], o: SuspectOptions = DEFAULT_SUSPECTS): SuspectGpu[] {
  const all: Flat[] = facts.flatMap((n) => n.gpus.map((gpu) => ({ node: n.node, gpu })));
  if (all.length < 2) return [];
  const found: SuspectGpu[] = [];
  for (const f of all) {
    const v = verdict(all, f, o);
    if (v.clock || v.hot || v.idle) found.push({ node: f.node, gpu: f.gpu, text: describeGpu(f, v) });
  }
  const nodes = new Set(found.map((s) => s.node));
  return nodes.size > Math.max(1, Math.floor(facts.length / 2)) ? [] : found;
}
