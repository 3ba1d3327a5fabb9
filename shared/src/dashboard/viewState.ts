// What a run page shows, encoded in its URL query so a view can be shared as a link: x axis, smoothing, log scale,
// the zoomed iteration range, the charts shown, the theme and the runs compared with this one. Decoding never
// throws: a bad or hostile value falls back to the default for that key, the others still apply.

export const X_AXES = ['iteration', 'tokens', 'time'] as const;
export type XAxis = (typeof X_AXES)[number];
export const THEMES = ['dark', 'light'] as const;
export type Theme = (typeof THEMES)[number];

export interface ViewState {
  x: XAxis;
  /** EMA weight, 0..0.99. */
  smoothing: number;
  log: boolean;
  /** Zoomed iteration range; null = everything. */
  from: number | null;
  to: number | null;
  /** Chart ids shown; null = the default set. */
  charts: string[] | null;
  theme: Theme;
  /** Other runs overlaid on this run's charts (run ids, in the order picked, at most MAX_COMPARED_RUNS); [] = none. */
  compare: number[];
}

/** Runs overlaid at once: each one is a series load and a line per chart, and more than 4 lines cannot be told apart. */
export const MAX_COMPARED_RUNS = 4;

export const DEFAULT_VIEW: ViewState = {
  x: 'iteration',
  smoothing: 0.6,
  log: false,
  from: null,
  to: null,
  charts: null,
  theme: 'dark',
  compare: [],
};

export function encodeView(v: ViewState): string {
  const q = new URLSearchParams();
  if (v.x !== DEFAULT_VIEW.x) q.set('x', v.x);
  if (v.smoothing !== DEFAULT_VIEW.smoothing) q.set('smooth', String(v.smoothing));
  if (v.log) q.set('log', '1');
  if (v.from !== null) q.set('from', String(v.from));
  if (v.to !== null) q.set('to', String(v.to));
  if (v.charts !== null) q.set('charts', v.charts.join(','));
  if (v.theme !== DEFAULT_VIEW.theme) q.set('theme', v.theme);
  const compare = canonicalRunIds(v.compare.map(String));
  if (compare.length > 0) q.set('compare', compare.join(','));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function decodeView(search: string): ViewState {
  const q = new URLSearchParams(search);
  const pick = <T extends string>(allowed: readonly T[], value: string | null, fallback: T): T =>
    allowed.includes(value as T) ? (value as T) : fallback;
  const int = (s: string | null): number | null => (s !== null && /^\d{1,12}$/.test(s) ? Number(s) : null);
  const smooth = Number(q.get('smooth'));
  let from = int(q.get('from'));
  let to = int(q.get('to'));
  if (from !== null && to !== null && from > to) [from, to] = [to, from];
  const charts = q.get('charts');
  return {
    x: pick(X_AXES, q.get('x'), DEFAULT_VIEW.x),
    smoothing:
      q.has('smooth') && Number.isFinite(smooth) && smooth >= 0 && smooth <= 0.99 ? smooth : DEFAULT_VIEW.smoothing,
    log: q.get('log') === '1',
    from,
    to,
    charts: charts === null ? null : charts.split(',').filter((c) => /^[A-Za-z][A-Za-z0-9_]{0,40}$/.test(c)),
    theme: pick(THEMES, q.get('theme'), DEFAULT_VIEW.theme),
    compare: canonicalRunIds(q.get('compare')?.split(',') ?? []),
  };
}

/**
 * Run ids as one canonical list: positive integers written without sign, zeros or exponents (so `01`, `1e0` and `0x1`
 * are not run 1), each once, in the order given, at most MAX_COMPARED_RUNS. Anything else is dropped.
 */
export function canonicalRunIds(ids: readonly string[]): number[] {
  const out: number[] = [];
  for (const id of ids) {
    if (out.length === MAX_COMPARED_RUNS) break;
    if (!/^[1-9]\d{0,11}$/.test(id)) continue;
    const n = Number(id);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}
