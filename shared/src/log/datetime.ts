// Wall-clock stamps found in logs (`YYYY-MM-DD HH:MM:SS[.ffffff]`, also with `T` or `_` between date and time).
// The text is site-local time without a zone; we return epoch ms reading it as UTC, as events.ts documents.

function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * Reads a timestamp starting at `s[i]`.
 * @returns epoch ms (UTC reading) and the index after the stamp, or null when `s[i]` does not start one.
 */
export function readDateTime(s: string, i: number): { ms: number; next: number } | null {
  if (s.length < i + 19) return null;
  const year = digitsAt(s, i, 4);
  if (year < 0 || s.charCodeAt(i + 4) !== 45) return null;
  const month = digitsAt(s, i + 5, 2);
  if (month < 1 || month > 12 || s.charCodeAt(i + 7) !== 45) return null;
  const day = digitsAt(s, i + 8, 2);
  const sep = s.charCodeAt(i + 10);
  if (day < 1 || day > 31 || (sep !== 32 && sep !== 84 && sep !== 95)) return null;
  const hour = digitsAt(s, i + 11, 2);
  if (hour < 0 || hour > 23 || s.charCodeAt(i + 13) !== 58) return null;
  const minute = digitsAt(s, i + 14, 2);
  if (minute < 0 || minute > 59 || s.charCodeAt(i + 16) !== 58) return null;
  const second = digitsAt(s, i + 17, 2);
  if (second < 0 || second > 60) return null;
  let next = i + 19;
  let ms = 0;
  if (s.charCodeAt(next) === 46) {
    // Fractional seconds: keep milliseconds, skip the rest of the digits.
    let k = next + 1;
    let scale = 100;
    while (k < s.length) {
      const c = s.charCodeAt(k);
      if (c < 48 || c > 57) break;
      ms += (c - 48) * scale;
      scale /= 10;
      k++;
    }
    if (k === next + 1) return null;
    ms = Math.floor(ms);
    next = k;
  }
  return { ms: Date.UTC(year, month - 1, day, hour, minute, second, ms), next };
}
