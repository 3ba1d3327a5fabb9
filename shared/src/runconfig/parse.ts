// Text → untrusted config object. Pure (the `yaml` package runs in the browser too), so the web editor parses
// exactly like `trainboard validate`; reading the file is the server's job.
import { parseDocument } from 'yaml';
import type { ConfigIssue } from './issues.js';
import { ClusterProfileSchema } from './schema.js';
import type { ClusterProfile } from './schema.js';
import { schemaIssues } from './validate.js';

export type ParseResult = { ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] };

/** Parses YAML or JSON text. JSON is valid YAML 1.2, but JSON.parse gives sharper messages for `.json` files. */
export function parseRunConfigText(text: string, format: 'yaml' | 'json'): ParseResult {
  if (format === 'json') {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (error) {
      return { ok: false, issues: [syntaxIssue((error as Error).message)] };
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, issues: doc.errors.map((e) => syntaxIssue(e.message)) };
  return { ok: true, value: doc.toJS() as unknown };
}

function syntaxIssue(message: string): ConfigIssue {
  return {
    severity: 'error',
    rule: 'syntax',
    path: '(file)',
    value: undefined,
    why: message,
    fix: 'fix the YAML/JSON syntax at the position shown',
  };
}

/** Validates a cluster profile loaded from slurm-templates/profiles/. */
export function parseClusterProfile(
  value: unknown,
): { ok: true; profile: ClusterProfile } | { ok: false; issues: ConfigIssue[] } {
  const parsed = ClusterProfileSchema.safeParse(value);
  return parsed.success ? { ok: true, profile: parsed.data } : { ok: false, issues: schemaIssues(parsed.error, value) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Merges the profile named by `cluster.profile` under the config: the config's own `cluster` fields and `env`
 * entries win. Unknown profile names are an error finding; configs without a profile pass through unchanged.
 */
export function applyClusterProfile(raw: unknown, profiles: readonly ClusterProfile[]): ParseResult {
  if (!isRecord(raw) || !isRecord(raw.cluster) || raw.cluster.profile === undefined) return { ok: true, value: raw };
  const name = raw.cluster.profile;
  const profile = profiles.find((p) => p.name === name);
  if (!profile) {
    return {
      ok: false,
      issues: [
        {
          severity: 'error',
          rule: 'profile',
          path: 'cluster.profile',
          value: name,
          why: 'no cluster profile has this name',
          fix: `use one of: ${profiles.map((p) => p.name).join(', ') || '(none loaded)'}`,
        },
      ],
    };
  }
  const env = isRecord(raw.env) ? raw.env : {};
  return {
    ok: true,
    value: { ...raw, cluster: { ...profile.cluster, ...raw.cluster }, env: { ...profile.env, ...env } },
  };
}
