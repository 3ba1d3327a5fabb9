/** `sbatch --parsable` prints `<jobid>` or `<jobid>;<cluster>`; anything else is an error text. */
export function parseSbatchParsable(stdout: string): { jobId: string; cluster: string | null } | null {
  const line = stdout.trim().split('\n').pop()?.trim() ?? '';
  const m = /^(\d+)(?:;(\S+))?$/.exec(line);
  return m ? { jobId: m[1] ?? '', cluster: m[2] ?? null } : null;
}
