// Validation = schema (types, ranges, strict name and path patterns) + expert rules. Pure: the CLI, the server and
// the web editor call the same function and get the same findings.
import type { z } from 'zod';
import { hasErrors } from './issues.js';
import type { ConfigIssue } from './issues.js';
import { planRun } from './plan.js';
import type { RunPlan } from './plan.js';
import { RULES } from './rules/index.js';
import { RunConfigSchema } from './schema.js';
import type { RunConfig } from './schema.js';

export type ValidationResult =
  | { ok: true; config: RunConfig; plan: RunPlan; issues: ConfigIssue[] }
  | { ok: false; config: RunConfig | null; plan: RunPlan | null; issues: ConfigIssue[] };

/** Rules whose errors make planning meaningless or unsafe (the rampup simulation could loop). */
const PLAN_BLOCKERS = new Set([
  'rampup-shape',
  'rampup-needs-samples',
  'train-length',
  'world-size-divisible',
  'pp-within-layers',
]);

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cursor: unknown = input;
  for (const key of path) {
    if (cursor === null || typeof cursor !== 'object') return undefined;
    cursor = (cursor as Record<PropertyKey, unknown>)[key];
  }
  return cursor;
}

/** Converts zod's issues into findings with the field path, the offending value, why and a fix. */
export function schemaIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    const value = issue.code === 'unrecognized_keys' ? issue.keys : valueAt(input, issue.path);
    const fix =
      issue.code === 'unrecognized_keys'
        ? `remove or rename ${issue.keys.join(', ')} (see docs/RUN-CONFIG.md for the field names)`
        : value === undefined
          ? `set ${path}`
          : `change ${path}: it ${issue.message.startsWith('must') ? issue.message : `must be valid (${issue.message})`}`;
    return { severity: 'error' as const, rule: 'schema', path, value, why: issue.message, fix };
  });
}

/**
 * Validates an untrusted config object (parsed YAML/JSON or a preset).
 * @returns ok with the typed config and its plan when there is no error; warnings may be present either way.
 */
export function validateRunConfig(input: unknown): ValidationResult {
  const parsed = RunConfigSchema.safeParse(input);
  if (!parsed.success) return { ok: false, config: null, plan: null, issues: schemaIssues(parsed.error, input) };
  const config = parsed.data;
  const issues: ConfigIssue[] = [];
  for (const rule of RULES) if (!rule.needsPlan) issues.push(...rule.check({ config, plan: null as never }));
  const blocked = issues.some((i) => i.severity === 'error' && PLAN_BLOCKERS.has(i.rule));
  const plan = blocked ? null : planRun(config);
  if (plan) for (const rule of RULES) if (rule.needsPlan) issues.push(...rule.check({ config, plan }));
  const order = new Map(RULES.map((r, i) => [r.id, i]));
  issues.sort(
    (a, b) =>
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      (order.get(a.rule) ?? 0) - (order.get(b.rule) ?? 0),
  );
  if (hasErrors(issues) || !plan) return { ok: false, config, plan, issues };
  return { ok: true, config, plan, issues };
}
