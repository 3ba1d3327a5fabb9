// The one cursor of a run page's charts: an iteration, shared by every chart (hover one, the same iteration is
// highlighted and read out in all of them). Set by the pointer or the keyboard of whichever chart is in use; kept
// outside React state so a move re-renders each chart's small cursor layer, never the charts or their frames.
import { nearestIndex } from '@trainboard/shared/dashboard/plotSeries';

export interface CursorStore {
  get(): number | null;
  set(iteration: number | null): void;
  subscribe(onChange: () => void): () => void;
}

export function createCursorStore(): CursorStore {
  let iteration: number | null = null;
  const listeners = new Set<() => void>();
  return {
    get: () => iteration,
    set(next) {
      if (next === iteration) return;
      iteration = next;
      for (const l of listeners) l();
    },
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
}

/**
 * The index of a chart's point for the shared cursor: the point nearest that iteration. Every chart of a page
 * shares the x axis (iteration, tokens or time all grow with the iteration), so the nearest iteration is the
 * nearest x; a sparse series (the loss scale, a validation group) reads out its own nearest point.
 */
export function cursorIndex(iterations: ArrayLike<number>, iteration: number | null): number {
  return iteration === null ? -1 : nearestIndex(iterations, iteration);
}

/** Keys a focused chart answers: arrows step one point (shift: a tenth of the view), PageUp/Down a tenth, Home/End. */
export function stepCursor(index: number, key: string, count: number, shift = false): number | null {
  if (count === 0) return null;
  const big = Math.max(1, Math.round(count / 10));
  // With no cursor yet, any step starts from the newest point: what a reader looks at first.
  const from = index < 0 || index >= count ? count - 1 : index;
  const clamp = (i: number) => Math.min(count - 1, Math.max(0, i));
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      return index < 0 ? from : clamp(from - (shift ? big : 1));
    case 'ArrowRight':
    case 'ArrowUp':
      return index < 0 ? from : clamp(from + (shift ? big : 1));
    case 'PageDown':
      return clamp(from - big);
    case 'PageUp':
      return clamp(from + big);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
