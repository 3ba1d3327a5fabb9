// What a submission may contain, and the sbatch argv built from it. Names, partitions, node lists, array and
// dependency specs must match strict patterns (sbatch parses them itself, so quoting alone would not make a
// hostile value harmless); paths may contain anything printable and are passed literally, as one quoted word.
import { z } from 'zod';

/** Job, partition and QoS names: sbatch, squeue --name and sacct all carry them as they are. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** `--comment=`: Trainboard writes its idempotency key there (`tb.<install>.<id>`), for humans and `squeue -o %k`. */
export const COMMENT = /^[A-Za-z0-9][A-Za-z0-9._:=-]{0,99}$/;
const HOST = /[A-Za-z0-9][A-Za-z0-9._-]*(?:\[\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*\])?/.source;
export const HOSTLIST = new RegExp(`^${HOST}(?:,${HOST})*$`);
export const ARRAY_SPEC = /^\d+(?:-\d+(?::\d+)?)?(?:,\d+(?:-\d+(?::\d+)?)?)*(?:%\d+)?$/;
const DEP_ITEM =
  /(?:singleton|(?:after|afterany|afterok|afternotok|aftercorr|afterburstbuffer)(?::\d+(?:_\d+)?(?:\+\d+)?)+)/.source;
export const DEPENDENCY = new RegExp(`^${DEP_ITEM}(?:[,?]${DEP_ITEM})*$`);
export const TIME_LIMIT = /^(?:\d{1,3}-)?\d{1,3}(?::[0-5]\d){1,2}$|^\d{1,6}$/;
/** Numeric job ids as the scheduler returns them; array members as `123_4`. */
export const JOB_ID = /^\d{1,12}(?:_\d{1,9})?$/;

const pattern = (re: RegExp, what: string) => z.string().regex(re, { message: `must be ${what}` });
/** Any printable text without control characters (newline, NUL, ESC…): quoted, it reaches sbatch literally. */
const path = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
    message: 'must not contain control characters (newline, tab, NUL…)',
  });

export const submitSpecSchema = z.strictObject({
  /** The batch script itself, sent on sbatch's stdin (never written into a command line). */
  script: z
    .string()
    .min(3)
    .refine((s) => s.startsWith('#!'), { message: 'must start with a #! line' }),
  name: pattern(NAME, 'a plain name: letters, digits, `.`, `_`, `-` (max 64)').optional(),
  comment: pattern(COMMENT, 'a comment of letters, digits, `.`, `_`, `:`, `=`, `-` (max 100)').optional(),
  partition: pattern(NAME, 'a partition name: letters, digits, `.`, `_`, `-`').optional(),
  account: pattern(ACCOUNT, 'an account: letters, digits, `.`, `_`, `-`, `@`').optional(),
  qos: pattern(NAME, 'a QoS name: letters, digits, `.`, `_`, `-`').optional(),
  nodes: z.int().min(1).max(100_000).optional(),
  ntasksPerNode: z.int().min(1).max(1024).optional(),
  cpusPerTask: z.int().min(1).max(1024).optional(),
  gpusPerNode: z.int().min(0).max(64).optional(),
  /** `H:MM:SS`, `D-HH:MM:SS`, `MM:SS` or minutes. */
  timeLimit: pattern(TIME_LIMIT, 'a Slurm time limit such as `100:00:00`, `1-00:00:00` or minutes').optional(),
  array: pattern(ARRAY_SPEC, 'an array spec such as `1-3%1`').optional(),
  dependency: pattern(DEPENDENCY, 'a dependency such as `afterok:123` or `singleton`').optional(),
  exclude: pattern(HOSTLIST, 'a node list such as `c[1-2],c4`').optional(),
  nodelist: pattern(HOSTLIST, 'a node list such as `c[1-2],c4`').optional(),
  output: path.optional(),
  error: path.optional(),
  chdir: path.optional(),
  /** false → --no-requeue (a node failure then ends the job NODE_FAIL instead of requeueing it). */
  requeue: z.boolean().optional(),
  openMode: z.enum(['append', 'truncate']).optional(),
  /** Start held (`--hold`); released by `scontrol release`. */
  hold: z.boolean().optional(),
});
export type SubmitSpec = z.infer<typeof submitSpecSchema>;

/** Thrown with every problem of a spec, each naming its field. */
export class InvalidSubmitSpecError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid job submission: ${issues.join('; ')}`);
    this.name = 'InvalidSubmitSpecError';
  }
}

export function validateSubmitSpec(input: unknown): SubmitSpec {
  const r = submitSpecSchema.safeParse(input);
  if (r.success) return r.data;
  throw new InvalidSubmitSpecError(r.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`));
}

/** The sbatch argv (script on stdin). Every option uses `--opt=value`, so a value can never become an option. */
export function buildSbatchArgv(input: SubmitSpec): string[] {
  const s = validateSubmitSpec(input);
  const argv = ['sbatch', '--parsable'];
  const opt = (flag: string, v: string | number | undefined) => {
    if (v !== undefined) argv.push(`--${flag}=${v}`);
  };
  opt('job-name', s.name);
  opt('comment', s.comment);
  opt('partition', s.partition);
  opt('account', s.account);
  opt('qos', s.qos);
  opt('nodes', s.nodes);
  opt('ntasks-per-node', s.ntasksPerNode);
  opt('cpus-per-task', s.cpusPerTask);
  if (s.gpusPerNode !== undefined) opt('gres', `gpu:${s.gpusPerNode}`);
  opt('time', s.timeLimit);
  opt('array', s.array);
  opt('dependency', s.dependency);
  opt('exclude', s.exclude);
  opt('nodelist', s.nodelist);
  opt('output', s.output);
  opt('error', s.error);
  opt('chdir', s.chdir);
  opt('open-mode', s.openMode);
  if (s.requeue === true) argv.push('--requeue');
  if (s.requeue === false) argv.push('--no-requeue');
  if (s.hold) argv.push('--hold');
  return argv;
}

/** Job ids for squeue/scancel/sacct lists; throws on anything that is not an id. */
export function validateJobIds(ids: readonly string[]): string[] {
  const bad = ids.filter((id) => !JOB_ID.test(id));
  if (bad.length)
    throw new InvalidSubmitSpecError(bad.map((id) => `job id ${JSON.stringify(id)}: must be digits, or digits_digits`));
  return [...ids];
}
