// Slurm's time texts: durations `[D-][HH:]MM:SS`, limits (`UNLIMITED`), timestamps (`N/A`, `NONE`, `Unknown`).

/** `1-07:27:33`, `0:01`, `00:00:02`, `365-00:00:00` → seconds; `UNLIMITED`, `INVALID`, `N/A`, '' → null. */
export function parseSlurmDuration(text: string): number | null {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text.trim());
  if (!m) return null;
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60 + Number(s);
}

/** `2026-11-27T02:36:39` as written (cluster-local time), or null for `N/A`, `NONE`, `Unknown`, ''. */
export function parseSlurmTimestamp(text: string): string | null {
  const t = text.trim();
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(t) ? t : null;
}

/** `3:0` → { code: 3, signal: 0 }; anything else → nulls. */
export function parseExitCode(text: string): { code: number | null; signal: number | null } {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  return m ? { code: Number(m[1]), signal: Number(m[2]) } : { code: null, signal: null };
}
