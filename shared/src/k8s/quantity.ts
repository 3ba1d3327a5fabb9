// Kubernetes resource quantities (`95500m`, `2103459876Ki`, `8`, `1e3`, `1.5Gi`) → numbers. Node capacity and
// allocatable come as these strings; only the few we show (CPU, memory, GPUs) are parsed.

const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The value of a quantity in base units (cores, bytes, devices); null when it is not a quantity. */
export function parseQuantity(text: string | number | null | undefined): number | null {
  if (typeof text === 'number') return Number.isFinite(text) ? text : null;
  if (typeof text !== 'string') return null;
  const m = QUANTITY.exec(text.trim());
  if (!m) return null;
  const base = Number(m[1]);
  const value = m[2] !== undefined ? Number(`${m[1]}${m[2]}`) : base * (SUFFIX[m[3] ?? ''] as number);
  return Number.isFinite(value) ? value : null;
}
