// The shape of a validation rule. Rules are data in a registry so docs, tests and the CLI enumerate the same list.
import type { ConfigIssue, Severity } from '../issues.js';
import type { RunPlan } from '../plan.js';
import type { RunConfig } from '../schema.js';

export interface RuleContext {
  config: RunConfig;
  /** The plan, or null when the config is too broken to plan (only rules without `needsPlan` run then). */
  plan: RunPlan | null;
}

export interface Rule {
  id: string;
  /** One line for docs/RUN-CONFIG.md. */
  summary: string;
  needsPlan: boolean;
  check(ctx: RuleContext & { plan: RunPlan }): ConfigIssue[];
}

/** A rule that never reads the plan (it also runs on configs that cannot be planned). */
export function structuralRule(id: string, summary: string, check: (config: RunConfig) => ConfigIssue[]): Rule {
  return { id, summary, needsPlan: false, check: ({ config }) => check(config) };
}

export function plannedRule(
  id: string,
  summary: string,
  check: (config: RunConfig, plan: RunPlan) => ConfigIssue[],
): Rule {
  return { id, summary, needsPlan: true, check: ({ config, plan }) => check(config, plan) };
}

/** Builds a finding for `rule`. */
export function finding(
  rule: string,
  severity: Severity,
  path: string,
  value: unknown,
  why: string,
  fix: string,
): ConfigIssue {
  return { severity, rule, path, value, why, fix };
}

/** Divisors of n in ascending order (for "use one of …" fixes). */
export function divisors(n: number): number[] {
  const result: number[] = [];
  for (let d = 1; d <= n; d += 1) if (n % d === 0) result.push(d);
  return result;
}

export const GIB = 2 ** 30;
export const TIB = 2 ** 40;

export function hours(seconds: number): string {
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function minutes(seconds: number): string {
  return `${(seconds / 60).toFixed(1)} min`;
}
