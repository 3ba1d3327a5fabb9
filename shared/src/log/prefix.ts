// The torchrun `--tee` rank prefix `[<role><local_rank>]:` (megatron-log-format.md §1.2). Optional.

/** Result of reading a prefix; fields are reused between calls to avoid allocating per line. */
export interface PrefixInfo {
  /** Local rank, or null without a prefix. */
  rank: number | null;
  /** Writer identity used to group multi-line failures: `default3`, or '' without a prefix. */
  writer: string;
  /** Index where the payload (Megatron's own text) starts. */
  payloadStart: number;
}

/**
 * Length of a `[<letters><digits>]:` token at `s[i]`, or 0 when there is none. Letters may include `_`.
 */
export function prefixTokenLength(s: string, i: number): number {
  if (s.charCodeAt(i) !== 91) return 0;
  let k = i + 1;
  const n = s.length;
  const lettersStart = k;
  while (k < n) {
    const c = s.charCodeAt(k);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) k++;
    else break;
  }
  if (k === lettersStart) return 0;
  const digitsStart = k;
  while (k < n) {
    const c = s.charCodeAt(k);
    if (c >= 48 && c <= 57) k++;
    else break;
  }
  if (k === digitsStart || k - digitsStart > 6) return 0;
  if (s.charCodeAt(k) !== 93 || s.charCodeAt(k + 1) !== 58) return 0;
  return k + 2 - i;
}

/** Reads an optional leading-whitespace + prefix from `s[start, end)` into `out` (payloadStart is absolute). */
export function readPrefix(s: string, out: PrefixInfo, start = 0, end = s.length): void {
  let i = start;
  const n = end;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9) i++;
    else break;
  }
  const length = i < n ? prefixTokenLength(s, i) : 0;
  if (length === 0) {
    out.rank = null;
    out.writer = '';
    out.payloadStart = start;
    return;
  }
  let digitsStart = i + length - 3;
  while (digitsStart > i + 1) {
    const c = s.charCodeAt(digitsStart - 1);
    if (c >= 48 && c <= 57) digitsStart--;
    else break;
  }
  let rank = 0;
  for (let k = digitsStart; k < i + length - 2; k++) rank = rank * 10 + (s.charCodeAt(k) - 48);
  out.rank = rank;
  out.writer = s.slice(i + 1, i + length - 2);
  out.payloadStart = i + length;
}
