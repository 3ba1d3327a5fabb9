// Short human formats for the dashboard: durations, large counts (tokens), metric values, relative times.

/** `1d 4h`, `3h 05m`, `4m 10s`, `12s`; `—` for null or negative. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const p = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${p(m)}m`;
  if (m > 0) return `${m}m ${p(sec)}s`;
  return `${sec}s`;
}

/** `350B`, `1.2T`, `9.8M`, `12.3k`, `512` (three significant digits). */
export function formatCount(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '—';
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) if (Math.abs(n) >= size) return `${trim((n / size).toPrecision(3))}${unit}`;
  return trim(n.toPrecision(3).includes('e') ? String(Math.round(n)) : String(Number(n.toPrecision(3))));
}

/** A metric value: 4 significant digits, exponent form for very small or large values, NaN/Inf spelled out. */
export function formatValue(v: number | null): string {
  if (v === null) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** `12s ago`, `3m 02s ago`; `never` for null. */
export function formatAgo(thenMs: number | null, nowMs: number): string {
  if (thenMs === null) return 'never';
  return `${formatDuration(Math.max(nowMs - thenMs, 0))} ago`;
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
