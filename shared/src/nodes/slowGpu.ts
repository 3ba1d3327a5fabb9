// The F7 case: one slow GPU holds back a synchronous data-parallel job (tr11: 149 → 141 TFLOPs for days). It shows
// against its siblings in the same job, not against a fixed number: a throttled GPU runs a lower SM clock, or sits
// at a fraction of the others' utilisation.

/** Below this share of the job's median SM clock a GPU is flagged (a 5% loss already mattered; clocks jitter ~2%). */
export const SLOW_CLOCK_SHARE = 0.9;
/** Below this share of the median utilisation, when the median is busy, a GPU is flagged. */
export const LOW_UTIL_SHARE = 0.5;
const BUSY_UTIL_PCT = 50;

export interface GpuLike {
  utilPct: number | null;
  smClockMhz: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Why each GPU looks slow against the others (same order as the input), or null; needs at least 3 GPUs to judge. */
export function slowGpuReasons(gpus: readonly GpuLike[]): (string | null)[] {
  const clocks = gpus.map((g) => g.smClockMhz).filter((v): v is number => v !== null);
  const utils = gpus.map((g) => g.utilPct).filter((v): v is number => v !== null);
  const clockMedian = clocks.length >= 3 ? median(clocks) : null;
  const utilMedian = utils.length >= 3 ? median(utils) : null;
  return gpus.map((g) => {
    if (clockMedian !== null && g.smClockMhz !== null && g.smClockMhz < SLOW_CLOCK_SHARE * clockMedian) {
      return `SM clock ${g.smClockMhz} MHz < ${Math.round(SLOW_CLOCK_SHARE * 100)}% of the job's median ${clockMedian} MHz`;
    }
    if (
      utilMedian !== null &&
      utilMedian >= BUSY_UTIL_PCT &&
      g.utilPct !== null &&
      g.utilPct < LOW_UTIL_SHARE * utilMedian
    ) {
      return `utilisation ${g.utilPct}% < ${Math.round(LOW_UTIL_SHARE * 100)}% of the job's median ${utilMedian}%`;
    }
    return null;
  });
}
