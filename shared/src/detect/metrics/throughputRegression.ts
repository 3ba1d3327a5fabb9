// F7 and F16, a sustained throughput regression against the segment's own baseline. Each segment (a job or banner,
// an iteration going backwards, a new world size, global batch size or throughput figure) starts a new baseline:
// a reshape from 48 to 24 nodes is a new normal, not a regression. Lines whose elapsed time includes other work
// never count: the parser's `overhead` lines (first after a start, after an eval or a save, §2.5) and the first
// line seen in a segment (an excerpt may begin right after a start the parser never saw).
//
// The rule, chosen so a short excerpt still shows it (tr11 42780–42784: 5 lines, 149 → 141 TFLOPs): a baseline
// from ≥ 2 steady lines (median of the last 50), and a drop of at least max(3%, 4 robust σ of the baseline) on
// `sustain` (2) steady lines in a row. Two lines is also the detection bound (2× the median iteration
// time); the noise term keeps a noisy run (tr8: ±2.5%) quiet. Low lines never enter the baseline, so a slow GPU
// never becomes the new normal; the incident resolves after `sustain` steady lines back above the threshold.
//
// Live, the nodes' nvidia-smi (observeGpus, latest per node of the current job) names the suspect node while the
// regression is open: details.suspectNodes, one evidence line per odd GPU, and exclude_and_resubmit with the nodes
// (gpuSuspects.ts). Offline there are no node facts, and the incident says so.
import type { IterationEvent } from '../../log/events.js';
import type { NodeGpuFacts } from '../clusterFacts.js';
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { suspectGpus } from './gpuSuspects.js';
import { copyIncidents, detail, fmt, iterationEvidence } from './incidentParts.js';
import { median, RollingWindow } from './robust.js';
import { METRIC_LABELS, type ThroughputSample, throughputOf } from './throughputMetric.js';

export interface ThroughputOptions {
  window: number;
  minBaselinePoints: number;
  /** Smallest drop that counts (5% was the real F7 incident; steady-state noise is ~1%). */
  minDrop: number;
  /** The drop must also exceed this many robust standard deviations of the baseline. */
  noiseFactor: number;
  /** Steady lines in a row below the threshold to open, and above it to resolve. */
  sustain: number;
}

export const DEFAULT_THROUGHPUT: ThroughputOptions = {
  window: 50,
  minBaselinePoints: 2,
  minDrop: 0.03,
  noiseFactor: 4,
  sustain: 2,
};

interface Low {
  event: IterationEvent;
  sample: ThroughputSample;
}

export class ThroughputRegressionDetector implements Detector {
  private readonly all: Incident[] = [];
  private readonly baseline: RollingWindow;
  /** Seconds per iteration of the baseline lines, for the details people read. */
  private readonly baselineSeconds: RollingWindow;
  private open: Incident | null = null;
  /** The first low line of the current run of low lines, and the latest ones (bounded). */
  private firstLow: Low | null = null;
  private lows: Low[] = [];
  private recovered = 0;
  private worldSize: number | null = null;
  private segment = -1;
  private restarts = 0;
  private key: string | null = null;
  private seenInKey = 0;
  private lastIteration: number | null = null;
  /** The latest nvidia-smi facts per node of the newest job reported. */
  private gpus = new Map<string, NodeGpuFacts>();
  private gpuJob: string | null = null;

  constructor(
    private readonly ctx: DetectContext,
    private readonly opts: ThroughputOptions = DEFAULT_THROUGHPUT,
  ) {
    this.baseline = new RollingWindow(opts.window);
    this.baselineSeconds = new RollingWindow(opts.window);
  }

  observe({ event, timeMs }: DetectInput): void {
    if (event.type === 'run_start') this.worldSize = event.config.worldSize ?? null;
    if (this.ctx.run.segment !== this.segment) {
      this.segment = this.ctx.run.segment;
      this.newBaseline(null, timeMs);
    }
    if (event.type !== 'iteration') return;
    if (this.lastIteration !== null && event.iteration <= this.lastIteration) this.restarts += 1;
    this.lastIteration = event.iteration;
    const sample = throughputOf(event, this.worldSize);
    if (sample === null) return;
    const key = [this.segment, this.restarts, this.worldSize, event.globalBatchSize, sample.metric].join('|');
    if (key !== this.key) this.newBaseline(key, timeMs);
    this.seenInKey += 1;
    if (event.overhead || this.seenInKey === 1) return;
    this.judge(event, sample, timeMs);
  }

  tick(): void {}

  observeGpus(facts: NodeGpuFacts): void {
    if (facts.jobId !== this.gpuJob) {
      this.gpus.clear(); // another job: its nodes are the ones that count now
      this.gpuJob = facts.jobId;
    }
    const before = this.gpus.get(facts.node);
    if (before && before.timeMs > facts.timeMs) return;
    this.gpus.set(facts.node, facts);
    if (this.open) this.nameSuspects(this.open);
  }

  /** Names the node(s) whose GPUs stand out; a later report that shows nobody keeps what was found. */
  private nameSuspects(incident: Incident): void {
    const found = suspectGpus([...this.gpus.values()]);
    if (found.length === 0) return;
    const nodes = [...new Set(found.map((s) => s.node))];
    incident.evidence = [
      ...incident.evidence.filter((e) => !e.nodes),
      ...found.map((s) => ({ offset: null, line: null, text: s.text, jobId: this.gpuJob, nodes: [s.node] })),
    ];
    incident.details!.suspectNodes = nodes.join(',');
    incident.suggestedAction = {
      kind: 'exclude_and_resubmit',
      nodes,
      text: `Exclude ${nodes.join(', ')} and resubmit from the last checkpoint (${found[0]!.text}).`,
    };
  }

  incidents(): Incident[] {
    return copyIncidents(this.all);
  }

  private newBaseline(key: string | null, timeMs: number): void {
    if (this.open) this.resolve(timeMs, 'a new baseline (restart or topology change)');
    this.key = key;
    this.seenInKey = 0;
    this.baseline.clear();
    this.baselineSeconds.clear();
    this.clearLows();
    this.recovered = 0;
  }

  private judge(e: IterationEvent, sample: ThroughputSample, timeMs: number): void {
    if (this.baseline.size < this.opts.minBaselinePoints) {
      this.accept(sample);
      return;
    }
    const base = this.baseline.median();
    const threshold = Math.max(this.opts.minDrop, (this.opts.noiseFactor * this.baseline.sigma(0)) / base);
    if (1 - sample.value / base >= threshold) {
      this.recovered = 0;
      this.firstLow ??= { event: e, sample };
      this.lows.push({ event: e, sample });
      if (this.lows.length > this.opts.window) this.lows.shift();
      if (this.open) this.describe(this.open, base, threshold);
      else if (this.lows.length >= this.opts.sustain) this.start(e, base, threshold, timeMs);
      return;
    }
    this.clearLows();
    this.accept(sample);
    if (this.open && ++this.recovered >= this.opts.sustain) this.resolve(timeMs, 'recovered');
  }

  private accept(sample: ThroughputSample): void {
    this.baseline.push(sample.value);
    if (sample.secondsPerIteration !== null) this.baselineSeconds.push(sample.secondsPerIteration);
  }

  private clearLows(): void {
    this.firstLow = null;
    this.lows = [];
  }

  private resolve(timeMs: number, resolution: string): void {
    this.open!.resolvedAtMs = timeMs;
    this.open!.details!.resolution = resolution;
    this.open = null;
  }

  private start(e: IterationEvent, base: number, threshold: number, timeMs: number): void {
    const first = this.firstLow!.event;
    this.open = {
      key: `throughput_regression:${first.offset}`,
      kind: 'throughput_regression',
      severity: 'warning',
      title: '',
      iteration: first.iteration,
      offset: first.offset,
      evidence: [],
      suggestedAction: {
        kind: 'exclude_and_resubmit',
        nodes: [],
        text:
          'Find the slow node and resubmit without it (bisect over restarts when unsure). ' +
          'No suspect is named: node facts are not known from the log alone.',
      },
      workLostIterations: null,
      openedAtMs: timeMs,
      resolvedAtMs: null,
      details: { suspectNodes: 'unknown: no node facts offline', worldSize: this.worldSize },
    };
    this.describe(this.open, base, threshold);
    this.open.evidence.push(iterationEvidence(e, 'the drop is sustained from here'));
    this.nameSuspects(this.open);
    this.all.push(this.open);
  }

  /** Title, first evidence and numbers from the current run of low lines (their median is "current"). */
  private describe(incident: Incident, base: number, threshold: number): void {
    const { event: first, sample: firstSample } = this.firstLow!;
    const { metric } = firstSample;
    const current = median(this.lows.map((l) => l.sample.value));
    const dropPercent = (1 - current / base) * 100;
    const seconds = this.lows.map((l) => l.sample.secondsPerIteration).filter((s): s is number => s !== null);
    const baseSeconds = this.baselineSeconds.size > 0 ? this.baselineSeconds.median() : null;
    const currentSeconds = seconds.length > 0 ? median(seconds) : null;
    const label = METRIC_LABELS[metric];
    const perIteration =
      baseSeconds !== null && currentSeconds !== null
        ? `, ${fmt(baseSeconds)} → ${fmt(currentSeconds)} s per iteration`
        : '';
    incident.title =
      `Throughput ${fmt(dropPercent)}% below this segment's baseline since iteration ${first.iteration} ` +
      `(${label} ${fmt(base)} → ${fmt(current)}${perIteration})`;
    incident.evidence[0] = iterationEvidence(first, `${label} ${fmt(firstSample.value)}, baseline ${fmt(base)}`);
    Object.assign(incident.details!, {
      metric,
      baseline: detail(base),
      current: detail(current),
      dropPercent: detail(dropPercent),
      thresholdPercent: detail(threshold * 100),
      baselinePoints: this.baseline.size,
      baselineSecondsPerIteration: detail(baseSeconds),
      currentSecondsPerIteration: detail(currentSeconds),
    });
  }
}
