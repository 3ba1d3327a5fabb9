// Idempotency keys: every job row gets `tb.<install>.<rowId>` before sbatch runs, and the job carries it in its
// name (and comment), so after a crash the controller can ask the scheduler whether that submission happened.
// The name is what squeue --name, sacct JobName and the jobcomp file all keep; the comment is for humans.

const INSTALL_ID = /^[a-z0-9]{6}$/;
const KEY = /^tb\.([a-z0-9]{6})\.(\d{1,12})$/;
/** Room left for the base name: 64 (Slurm's NAME pattern here) minus `.tb.xxxxxx.` and a 12-digit id. */
export const MAX_BASE_NAME = 40;

export function makeIdemKey(installId: string, jobRowId: number): string {
  if (!INSTALL_ID.test(installId)) throw new Error('install id must be 6 lower-case letters or digits');
  if (!Number.isSafeInteger(jobRowId) || jobRowId < 1) throw new Error('job row id must be a positive integer');
  return `tb.${installId}.${jobRowId}`;
}

/** `<base≤40>.<key>`; the base is cut to 40 characters and anything outside the NAME alphabet becomes `-`. */
export function jobNameWithKey(base: string, key: string): string {
  if (!KEY.test(key)) throw new Error('not an idempotency key');
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  const cut = (safe || 'run').slice(0, MAX_BASE_NAME);
  return `${cut}.${key}`;
}

/** The key a job name carries, or null for a name Trainboard did not give. */
export function keyFromJobName(name: string): string | null {
  const m = /(?:^|\.)(tb\.[a-z0-9]{6}\.\d{1,12})$/.exec(name);
  return m ? m[1]! : null;
}

export function isIdemKey(value: string): boolean {
  return KEY.test(value);
}
