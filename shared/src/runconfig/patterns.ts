// Strict patterns for every string that reaches an sbatch script. Names land on `#SBATCH` lines, which sbatch
// parses itself (no shell quoting helps there), so they must be plain tokens. Paths are shell-quoted when rendered,
// and the pattern is a second wall: a path with `;`, `$(`, a quote, a space or a newline never validates.
import { z } from 'zod';

/** A Slurm-friendly name: job name, partition, QoS, reservation, constraint feature, run name. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Slurm account, e.g. `six@a100`. */
export const ACCOUNT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** A constraint expression such as `a100` or `v100-32g|v100-16g` (features joined by & or |). */
export const CONSTRAINT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:[&|][A-Za-z0-9][A-Za-z0-9._-]*)*$/;
/** A Slurm hostlist, e.g. `jean-zay-iam[34-35],jean-zay-iam07`. */
export const HOSTLIST_PATTERN =
  /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[0-9]+(?:-[0-9]+)?(?:,[0-9]+(?:-[0-9]+)?)*\])?(?:,[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[0-9]+(?:-[0-9]+)?(?:,[0-9]+(?:-[0-9]+)?)*\])?)*$/;
/** `--array`: index list/ranges with optional step and a `%N` concurrency limit, e.g. `1-3%1`. */
export const ARRAY_PATTERN = /^[0-9]+(?:-[0-9]+(?::[0-9]+)?)?(?:,[0-9]+(?:-[0-9]+(?::[0-9]+)?)?)*(?:%[0-9]+)?$/;
/** `--dependency`: `type:jobid[:jobid...]` joined by `,` (all) or `?` (any), or `singleton`. */
export const DEPENDENCY_PATTERN =
  /^(?:singleton|(?:after|afterany|afterok|afternotok|aftercorr|afterburstbuffer):[0-9]+(?:_[0-9]+)?(?:\+[0-9]+)?(?::[0-9]+(?:_[0-9]+)?(?:\+[0-9]+)?)*)(?:[,?](?:singleton|(?:after|afterany|afterok|afternotok|aftercorr|afterburstbuffer):[0-9]+(?:_[0-9]+)?(?:\+[0-9]+)?(?::[0-9]+(?:_[0-9]+)?(?:\+[0-9]+)?)*))*$/;
/** Slurm time limit as `H:MM:SS` (hours may exceed 24, e.g. `100:00:00`) or `D-HH:MM:SS`. */
export const TIME_LIMIT_PATTERN = /^(?:([0-9]{1,3})-)?([0-9]{1,3}):([0-5][0-9]):([0-5][0-9])$/;
/**
 * A filesystem path: optionally starting with one environment variable (`$six_ALL_CCFRSCRATCH/...` or
 * `${HOME}/...`, expanded by the job's shell), then only `A-Z a-z 0-9 . _ - + @ = , /`.
 */
export const PATH_PATTERN = /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)?(?:[A-Za-z0-9._+@=,/-])*$/;
/** `--output` file pattern: path characters plus Slurm's `%x %j %A %a %N %n %t` replacements. */
export const OUTPUT_PATTERN = /^[A-Za-z0-9._/+-]*(?:%[xjAaNnts][A-Za-z0-9._/+-]*)*$/;
/** Environment variable name. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A Megatron flag without a value, e.g. `--sync-tp-duplicated-parameters`. */
export const FLAG_PATTERN = /^--[a-z0-9][a-z0-9_-]*$/;
/** A HuggingFace tokenizer name or an executable name: no shell metacharacters. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9/][A-Za-z0-9._/@+-]*$/;

/** Builds a zod string checked against `pattern`, whose message says what is allowed (the fix). */
export function patterned(pattern: RegExp, allowed: string) {
  return z.string().regex(pattern, { message: `must be ${allowed}` });
}

export const nameString = () =>
  patterned(NAME_PATTERN, 'a plain name: letters, digits, `.`, `_`, `-` (max 64, no spaces or shell characters)');
export const pathString = () =>
  patterned(
    PATH_PATTERN,
    'a path of letters, digits and `._-+@=,/`, optionally starting with one `$VAR` or `${VAR}` (no spaces, quotes or shell characters)',
  ).min(1);

/** Slurm time limit in seconds, or null when `value` does not match TIME_LIMIT_PATTERN. */
export function timeLimitSeconds(value: string): number | null {
  const m = TIME_LIMIT_PATTERN.exec(value);
  if (!m) return null;
  const [, days, hours, minutes, seconds] = m;
  return ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
}

/** Number of members of an `--array` spec and its `%N` limit (null when unlimited). */
export function arrayShape(spec: string): { members: number; concurrency: number | null } {
  const [list = '', limit] = spec.split('%');
  let members = 0;
  for (const part of list.split(',')) {
    const [range = '', step = '1'] = part.split(':');
    const [from = '0', to] = range.split('-');
    members += to === undefined ? 1 : Math.floor((Number(to) - Number(from)) / Math.max(1, Number(step))) + 1;
  }
  return { members, concurrency: limit === undefined ? null : Number(limit) };
}
