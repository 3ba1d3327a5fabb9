// The runs a series cache holds, least recently used first out, within a byte cap.
import type { RunSeries } from './runSeries.js';

export class RunLru {
  /** Least recently used first (a Map keeps insertion order; a use moves the run to the end). */
  private readonly runs = new Map<number, RunSeries>();
  evictions = 0;

  constructor(private readonly maxBytes: number) {}

  get(runId: number): RunSeries | undefined {
    return this.runs.get(runId);
  }

  has(runId: number): boolean {
    return this.runs.has(runId);
  }

  get size(): number {
    return this.runs.size;
  }

  get bytes(): number {
    let total = 0;
    for (const r of this.runs.values()) total += r.bytes;
    return total;
  }

  /** Holds `run` as the most recent, then lets the oldest go until the cap holds (`run` too, if alone over it). */
  keep(run: RunSeries): void {
    this.runs.delete(run.runId);
    this.runs.set(run.runId, run);
    let total = this.bytes;
    for (const [id, r] of this.runs) {
      if (total <= this.maxBytes) break;
      this.runs.delete(id);
      total -= r.bytes;
      this.evictions++;
    }
  }

  drop(runId: number): void {
    this.runs.delete(runId);
  }
}
