// A run's recovery policy over REST (issue 15): anyone who may read the run reads it, with the window's count and
// when the next automatic restart may happen; operators replace it with a PUT validated by the strict zod schema
// (a 400 names each wrong field in words) and audited as `run.recovery_policy` with what changed (old → new).
// Stored as the settings row `recovery.run.<id>` (recoveryStore.ts); the incident and failure policies read it at
// each decision, so a change applies to the next one.
import {
  recoveryPolicySchema,
  type RecoveryPolicy,
  type RecoveryPolicyDto,
} from '@trainboard/shared/control/recoveryPolicy';
import { actorFields, type AuditActor } from '../auth/auth.service.js';
import type { Repositories } from '../db/repositories.js';
import { HttpError } from '../routes/errors.js';
import { recoveryDto } from './autoRestart.js';
import { createRecoveryStore } from './recoveryStore.js';

export interface RecoveryPolicyService {
  /** @throws HttpError 404 (no run). */
  get(runId: number): RecoveryPolicyDto;
  /**
   * `expectedUpdatedAt` (from If-Match): the `updatedAt` the editor saw (null: none stored yet); another operator's
   * save since answers 409 `policy_changed`. Undefined saves unconditionally.
   * @throws HttpError 400 (invalid input), 404 (no run), 409 (changed since read).
   */
  put(runId: number, input: unknown, actor: AuditActor, expectedUpdatedAt?: number | null): RecoveryPolicyDto;
}

export interface RecoveryPolicyServiceDeps {
  repos: Pick<Repositories, 'settings' | 'runs' | 'audit' | 'incidents' | 'transaction'>;
  now?: () => number;
}

/** Field by field, what a PUT changes: `{ maxRestartsPerWindow: [3, 5] }`. */
function changes(before: RecoveryPolicy, after: RecoveryPolicy): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const k of Object.keys(after) as (keyof RecoveryPolicy)[])
    if (before[k] !== after[k]) out[k] = [before[k], after[k]];
  return out;
}

function parse(input: unknown): RecoveryPolicy {
  const r = recoveryPolicySchema.safeParse(input);
  if (!r.success)
    throw new HttpError(
      400,
      'invalid_request',
      r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  if (r.data.backoffMaxSeconds < r.data.backoffBaseSeconds)
    throw new HttpError(400, 'invalid_request', 'backoffMaxSeconds: must be at least backoffBaseSeconds');
  return r.data;
}

export function createRecoveryPolicyService(deps: RecoveryPolicyServiceDeps): RecoveryPolicyService {
  const { repos } = deps;
  const now = deps.now ?? Date.now;
  const recovery = createRecoveryStore(repos);
  const existingRun = (runId: number) => {
    if (!repos.runs.exists(runId)) throw new HttpError(404, 'not_found', `run ${runId} does not exist`);
  };
  return {
    get(runId) {
      existingRun(runId);
      return recoveryDto(recovery, runId, now());
    },
    put(runId, input, actor, expectedUpdatedAt) {
      existingRun(runId);
      const policy = parse(input);
      const fields = actorFields(actor);
      repos.transaction(() => {
        const before = recovery.policy(runId);
        if (expectedUpdatedAt !== undefined && expectedUpdatedAt !== before.updatedAt)
          throw new HttpError(
            409,
            'policy_changed',
            `the recovery policy was changed by ${before.updatedBy ?? 'someone'} since you opened it; review it and save again`,
          );
        const changed = changes(before.policy, policy);
        recovery.savePolicy(runId, { policy, updatedAt: now(), updatedBy: fields.actorName });
        repos.audit.append({
          atMs: now(),
          ...fields,
          action: 'run.recovery_policy',
          targetKind: 'recovery_policy',
          targetId: String(runId),
          runId,
          result: 'ok',
          message: Object.keys(changed).length
            ? `changed ${Object.entries(changed)
                .map(([k, [a, b]]) => `${k} ${String(a)} → ${String(b)}`)
                .join(', ')}`
            : 'saved unchanged',
          details: { changed },
        });
      });
      return recoveryDto(recovery, runId, now());
    },
  };
}
