// A finding of the validator. Every finding names the field, shows the value, says why it is a problem and how
// to fix it, so a user can act on it without knowing Megatron's internals.

export type Severity = 'error' | 'warning';

export interface ConfigIssue {
  severity: Severity;
  /** Stable rule id, e.g. `tp-divides-heads` (listed in docs/RUN-CONFIG.md). */
  rule: string;
  /** Dotted path of the offending field, e.g. `parallelism.tensor`. */
  path: string;
  value: unknown;
  why: string;
  fix: string;
}

export function hasErrors(issues: readonly ConfigIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/** One issue as the CLI prints it: `error parallelism.tensor = 3 [tp-divides-heads]` then why and fix. */
export function formatIssue(issue: ConfigIssue): string {
  const value = issue.value === undefined ? '(unset)' : JSON.stringify(issue.value);
  return `${issue.severity} ${issue.path} = ${value} [${issue.rule}]\n  why: ${issue.why}\n  fix: ${issue.fix}`;
}
