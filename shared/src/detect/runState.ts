// The run's state every detector needs (last iteration, last completed save, segment), kept once by the replay
// and updated before the detectors observe each event, so "work lost" means the same in every incident.
import type { LogEvent } from '../log/events.js';
import { expandHostlist } from '../slurm/hostlist.js';

export interface RunState {
  /** The last iteration logged (any segment), or null. */
  readonly lastIteration: number | null;
  /** The iteration of the last `successfully saved checkpoint`, or null when none was seen. */
  readonly lastSavedIteration: number | null;
  /** The checkpoint iteration the current segment resumed from (`successfully loaded checkpoint`), or null. */
  readonly loadedIteration: number | null;
  /** 0 before the first run start or job start, then +1 at each. */
  readonly segment: number;
  /** True from a run start or job start until the segment's first iteration. */
  readonly inStartup: boolean;
  /**
   * The current job's nodes from its start marker (`TRAINBOARD JOB START … nodes=`), expanded; empty when unknown
   * (no marker, or a segment that started without one). A 1-node job's failure happened on its only node.
   */
  readonly jobNodes: readonly string[];
  /** Iterations since the last completed save (or load): what a crash now would lose; null when unknown. */
  workLostIterations(): number | null;
}

export class RunTracker implements RunState {
  lastIteration: number | null = null;
  lastSavedIteration: number | null = null;
  loadedIteration: number | null = null;
  segment = 0;
  inStartup = false;
  jobNodes: readonly string[] = [];
  /** The segment counted for the current job start, so its banner does not count again. */
  private bannerPending = false;

  update(e: LogEvent): void {
    switch (e.type) {
      case 'job_start':
        this.segment += 1;
        this.inStartup = true;
        this.bannerPending = true;
        this.jobNodes = expandHostlist(e.nodeList);
        break;
      case 'run_start':
        if (!this.bannerPending) {
          this.segment += 1;
          this.jobNodes = []; // a segment without a marker: its job's nodes are unknown
        }
        this.bannerPending = false;
        this.inStartup = true;
        break;
      case 'iteration':
        this.lastIteration = e.iteration;
        this.inStartup = false;
        this.bannerPending = false;
        break;
      case 'checkpoint_saved':
        this.lastSavedIteration = e.iteration;
        break;
      case 'checkpoint_loaded':
        this.loadedIteration = e.iteration;
        this.lastIteration = e.iteration;
        break;
      default:
        break;
    }
  }

  workLostIterations(): number | null {
    if (this.lastIteration === null) return null;
    const base = Math.max(this.lastSavedIteration ?? -1, this.loadedIteration ?? -1);
    if (base < 0) return null;
    return Math.max(0, this.lastIteration - base);
  }
}
