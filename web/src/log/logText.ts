// Pure text helpers of the log viewer: the ranks seen in the loaded lines, the client-side filter, byte counts.

/** Lines scanned (from the end) for the rank menu: enough for every rank of a job, cheap on every new window. */
const RANK_SCAN_LINES = 5000;

/** The `[defaultN]:` ranks among the last loaded lines, in numeric order. */
export function ranksIn(lines: readonly string[]): string[] {
  const seen = new Set<string>();
  for (let i = Math.max(0, lines.length - RANK_SCAN_LINES); i < lines.length; i++) {
    const m = /^\[default(\d+)\]:/.exec(lines[i] as string);
    if (m) seen.add(m[1] as string);
  }
  return [...seen].sort((a, b) => Number(a) - Number(b));
}

/** The loaded lines holding `text` (any case) from `rank` ('all': any); the same array when nothing filters. */
export function filterLines(lines: string[], text: string, rank: string): string[] {
  const needle = text.toLowerCase();
  const prefix = `[default${rank}]:`;
  if (!needle && rank === 'all') return lines;
  return lines.filter((l) => (rank === 'all' || l.startsWith(prefix)) && (!needle || l.toLowerCase().includes(needle)));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(n < 100 * 1024 * 1024 ? 1 : 0)} MB`;
}
