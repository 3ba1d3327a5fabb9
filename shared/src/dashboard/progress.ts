// The run header's arithmetic: progress, ETA from the recent iteration time, and the work a crash would lose now.

export interface ProgressInput {
  iteration: number;
  trainIters: number;
  /** Mean wall time of recent iterations (ms); null when unknown. */
  recentIterationMs: number | null;
  /** Iteration of the last saved checkpoint; null when none was saved yet (a crash loses everything). */
  lastCheckpointIteration: number | null;
  consumedTokens: number | null;
  targetTokens: number | null;
}

export interface Progress {
  /** 0..1 of the iterations. */
  fraction: number;
  /** 0..1 of the target tokens, when both are known. */
  tokenFraction: number | null;
  remainingIterations: number;
  etaMs: number | null;
  /** Iterations since the last checkpoint, and their wall time: what a crash now would cost. */
  iterationsAtRisk: number;
  workAtRiskMs: number | null;
}

export function runProgress(p: ProgressInput): Progress {
  const total = Math.max(p.trainIters, 1);
  const remaining = Math.max(total - p.iteration, 0);
  const perIt =
    p.recentIterationMs !== null && Number.isFinite(p.recentIterationMs) && p.recentIterationMs > 0
      ? p.recentIterationMs
      : null;
  const atRisk = Math.max(p.iteration - (p.lastCheckpointIteration ?? 0), 0);
  return {
    fraction: Math.min(Math.max(p.iteration / total, 0), 1),
    tokenFraction: p.consumedTokens !== null && p.targetTokens ? Math.min(p.consumedTokens / p.targetTokens, 1) : null,
    remainingIterations: remaining,
    etaMs: perIt === null ? null : remaining * perIt,
    iterationsAtRisk: atRisk,
    workAtRiskMs: perIt === null ? null : atRisk * perIt,
  };
}
