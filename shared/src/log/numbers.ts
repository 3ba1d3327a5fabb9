// Number parsing for log fields, by hand because it is the parser's hot path.
// Python prints `%d`, `%.Nf` and `%.NE` values, and `nan`/`inf`/`NAN`/`-INF` for non-finite floats
// (megatron-log-format.md §2.3). `Number()` would accept '' (→0) and hex, and reject `nan`/`inf`.

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/** Where the last scanNumber/scanUint stopped; a shared cursor avoids allocating a result object per number. */
export const cursor = { end: 0 };

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/**
 * Scans a number that starts exactly at `s[i]` and ends at the first character that cannot continue it
 * (`cursor.end` is set there). Accepts `nan`, `inf`, `infinity` in any case, with a sign.
 * @returns the value, or undefined when no number starts at `i`.
 */
export function scanNumber(s: string, i: number, end: number): number | undefined {
  const start = i;
  let c = s.charCodeAt(i);
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    i++;
    c = s.charCodeAt(i);
  }
  if ((c < 48 || c > 57) && c !== 46) return scanNonFinite(s, i, end, negative);
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  while (i < end) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    i++;
  }
  if (i < end && s.charCodeAt(i) === 46) {
    i++;
    while (i < end) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      fractionDigits++;
      i++;
    }
  }
  if (digits === 0) return undefined;
  let exponent = 0;
  if (i < end && ((c = s.charCodeAt(i)) === 101 || c === 69)) {
    let k = i + 1;
    let expNegative = false;
    c = s.charCodeAt(k);
    if (c === 43 || c === 45) {
      expNegative = c === 45;
      k++;
    }
    const expStart = k;
    while (k < end) {
      c = s.charCodeAt(k);
      if (c < 48 || c > 57) break;
      exponent = exponent * 10 + (c - 48);
      k++;
    }
    if (k > expStart) {
      i = k;
      if (expNegative) exponent = -exponent;
    } else {
      exponent = 0;
    }
  }
  cursor.end = i;
  const e10 = exponent - fractionDigits;
  // Clinger's fast path: an exact integer mantissa (< 2^53) times or divided by an exact power of ten is one
  // correctly rounded operation, so it equals what Number() returns.
  if (digits <= 15 && e10 >= -22 && e10 <= 22) {
    const v = e10 < 0 ? mantissa / (POW10[-e10] as number) : mantissa * (POW10[e10] as number);
    return negative ? -v : v;
  }
  return Number(s.slice(start, i));
}

function scanNonFinite(s: string, i: number, end: number, negative: boolean): number | undefined {
  let k = i;
  while (k < end && isWordChar(s.charCodeAt(k))) k++;
  const word = s.slice(i, k).toLowerCase();
  let value: number;
  if (word === 'nan') value = NaN;
  else if (word === 'inf' || word === 'infinity') value = negative ? -Infinity : Infinity;
  else return undefined;
  cursor.end = k;
  return value;
}

/**
 * Parses the decimal number in `s[start, end)`, ignoring surrounding blanks.
 * @returns the value (NaN/±Infinity for their spellings in any case), or undefined when the text is not a number.
 */
export function parseNumber(s: string, start: number, end: number): number | undefined {
  while (start < end && isBlank(s.charCodeAt(start))) start++;
  while (end > start && isBlank(s.charCodeAt(end - 1))) end--;
  if (start >= end) return undefined;
  const value = scanNumber(s, start, end);
  return value !== undefined && cursor.end === end ? value : undefined;
}

/** Scans unsigned decimal digits at `s[i]`; sets `cursor.end`; returns -1 when there are none. */
export function scanUint(s: string, i: number, end: number): number {
  let value = 0;
  const start = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
    i++;
  }
  cursor.end = i;
  return i === start ? -1 : value;
}
