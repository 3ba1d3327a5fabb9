// The "Recovery policy" form's logic, pure: the fields as typed (numbers as text, so a half-typed value is not lost),
// what to send (checked with the same strict zod schema the server applies, plus the backoff order it checks, so the
// form names each wrong field in words before asking), and the usage line read from the server's DTO.
import {
  recoveryPolicySchema,
  type RecoveryPolicy,
  type RecoveryPolicyDto,
} from '@trainboard/shared/control/recoveryPolicy';

export const TOGGLES = [
  ['enabled', 'Recover automatically', 'Off: incidents are shown and alerted, nothing is done by itself.'],
  ['resubmitOnCrash', 'Resubmit after a crash', 'From the last checkpoint, once the job has ended.'],
  ['resubmitOnNodeFailure', 'Resubmit after a node failure', 'Without the failed node when suspects are excluded.'],
  ['resubmitOnHang', 'Cancel and resubmit a hang', 'After the hang deadline learnt from the run.'],
  ['excludeSuspectNodes', 'Exclude suspect nodes', 'ECC / XID / CUDA errors, a node failing again, named slow nodes.'],
  ['stackDumpOnHang', 'Dump stacks before cancelling a hang', 'py-spy on every node, or the template’s signal.'],
] as const satisfies readonly (readonly [keyof RecoveryPolicy, string, string])[];

export const NUMBERS = [
  ['backoffBaseSeconds', 'First restart waits', 'seconds', 'then twice as long for each next restart'],
  ['backoffMaxSeconds', 'Longest wait', 'seconds', ''],
  ['maxRestartsPerWindow', 'At most', 'restarts', 'then the run is held: a person decides'],
  ['windowHours', 'Within', 'hours', ''],
] as const satisfies readonly (readonly [keyof RecoveryPolicy, string, string, string])[];

type ToggleKey = (typeof TOGGLES)[number][0];
type NumberKey = (typeof NUMBERS)[number][0];

export type RecoveryForm = Record<ToggleKey, boolean> & Record<NumberKey, string>;

export function formOf(p: RecoveryPolicy): RecoveryForm {
  return {
    ...p,
    backoffBaseSeconds: String(p.backoffBaseSeconds),
    backoffMaxSeconds: String(p.backoffMaxSeconds),
    maxRestartsPerWindow: String(p.maxRestartsPerWindow),
    windowHours: String(p.windowHours),
  };
}

const MESSAGES: Record<NumberKey, string> = {
  backoffBaseSeconds: 'A whole number of seconds from 0 to 3600.',
  backoffMaxSeconds: 'A whole number of seconds from 0 to 21600.',
  maxRestartsPerWindow: 'A whole number of restarts from 0 to 100.',
  windowHours: 'A number of hours from 0.1 to 336.',
};

export type FormCheck = { ok: true; body: RecoveryPolicy } | { ok: false; errors: Partial<Record<NumberKey, string>> };

const toNumber = (s: string) => (s.trim() === '' ? Number.NaN : Number(s.trim()));

/** What the server would accept, or a message per number field that it would refuse. */
export function checkForm(form: RecoveryForm): FormCheck {
  const body = {
    ...form,
    backoffBaseSeconds: toNumber(form.backoffBaseSeconds),
    backoffMaxSeconds: toNumber(form.backoffMaxSeconds),
    maxRestartsPerWindow: toNumber(form.maxRestartsPerWindow),
    windowHours: toNumber(form.windowHours),
  };
  const r = recoveryPolicySchema.safeParse(body);
  const errors: Partial<Record<NumberKey, string>> = {};
  if (!r.success)
    for (const issue of r.error.issues) {
      const field = issue.path[0] as NumberKey;
      if (field in MESSAGES) errors[field] = MESSAGES[field];
    }
  if (r.success && r.data.backoffMaxSeconds < r.data.backoffBaseSeconds)
    errors.backoffMaxSeconds = 'At least as long as the first wait.';
  return r.success && Object.keys(errors).length === 0 ? { ok: true, body: r.data } : { ok: false, errors };
}

const hhmm = (ms: number) => new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

/** "1 of 3 automatic restarts used in the last 6 h, next not before 14:05", from the server's DTO. */
export function usageText(dto: RecoveryPolicyDto, time: (ms: number) => string = hhmm): string {
  const p = dto.policy;
  if (!p.enabled) return 'Automatic recovery is off: incidents are shown and alerted, nothing is done by itself.';
  const used = `${dto.restartsInWindow} of ${p.maxRestartsPerWindow} automatic restarts used in the last ${p.windowHours} h`;
  return dto.nextRestartNotBeforeMs === null ? used : `${used}, next not before ${time(dto.nextRestartNotBeforeMs)}`;
}

/** The If-Match value of a save: the version of the policy the operator saw. */
export const ifMatchOf = (dto: RecoveryPolicyDto): string => `"${dto.updatedAt ?? 'none'}"`;
