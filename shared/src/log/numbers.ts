// Number parsing for log fields, by hand because it is the parser's hot path.
// Python prints `%d`, `%.Nf` and `%.NE` values, and `nan`/`inf`/`NAN`/`-INF` for non-finite floats
// (megatron-log-format.md §2.3). `Number()` would accept '' (→0) and hex, and reject `nan`/`inf`.

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
  1e19, 1e20, 1e21, 1e22];

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Parses the decimal number in `s[start, end)`, ignoring surrounding blanks.
 * @returns the value (NaN/±Infinity for their spellings in any case), or undefined when the text is not a number.
 */
export function parseNumber(s: string, start: number, end: number): number | undefined {
  while (start < end && isBlank(s.charCodeAt(start))) start++;
  while (end > start && isBlank(s.charCodeAt(end - 1))) end--;
  if (start >= end) return undefined;
  let i = start;
  let c = s.charCodeAt(i);
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    i++;
    if (i >= end) return undefined;
    c = s.charCodeAt(i);
  }
  if ((c < 48 || c > 57) && c !== 46) return parseNonFinite(s, i, end, negative);
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
    i++;
    let expNegative = false;
    c = s.charCodeAt(i);
    if (c === 43 || c === 45) {
      expNegative = c === 45;
      i++;
    }
    let expDigits = 0;
    while (i < end) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      exponent = exponent * 10 + (c - 48);
      expDigits++;
      i++;
    }
    if (expDigits === 0) return undefined;
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) return undefined;
  const e10 = exponent - fractionDigits;
  let value: number;
  // Clinger's fast path: an exact integer mantissa (< 2^53) times or divided by an exact power of ten is one
  // correctly rounded operation, so it equals what Number() returns.
  if (digits <= 15 && e10 >= -22 && e10 <= 22) {
    value = e10 < 0 ? mantissa / (POW10[-e10] as number) : mantissa * (POW10[e10] as number);
  } else {
    value = Number(s.slice(negative || s.charCodeAt(start) === 43 ? start + 1 : start, end));
  }
  return negative ? -value : value;
}

function parseNonFinite(s: string, i: number, end: number, negative: boolean): number | undefined {
  const word = s.slice(i, end).toLowerCase();
  if (word === 'nan') return NaN;
  if (word === 'inf' || word === 'infinity') return negative ? -Infinity : Infinity;
  return undefined;
}

/** Parses unsigned decimal digits at `s[i...]`; returns the value and the index after them, or null. */
export function readUint(s: string, i: number, end: number): { value: number; next: number } | null {
  let value = 0;
  const start = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
    i++;
  }
  return i === start ? null : { value, next: i };
}
