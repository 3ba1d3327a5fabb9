// The submit page's pure part: what the form holds, and the RunCreate body it becomes (a preset by name, or a
// pasted/uploaded config parsed here exactly as `trainboard validate` parses it, so a syntax error is shown as a
// finding before anything is sent).
import type { RunCreateInput } from '@trainboard/shared/control/api';
import { MAX_CHAIN_LENGTH } from '@trainboard/shared/control/api';

export interface SubmitForm {
  cluster: string;
  source: 'preset' | 'text';
  preset: string;
  text: string;
  /** File name of an upload: `.json` is parsed as JSON, anything else as YAML. */
  fileName: string | null;
  name: string;
  chainLength: string;
}

export interface Finding {
  severity: string;
  path: string;
  why: string;
  fix: string;
}

export type BuiltRequest = { ok: true; body: RunCreateInput } | { ok: false; findings: Finding[] };

type Parse = (text: string, format: 'yaml' | 'json') => { ok: true; value: unknown } | { ok: false; issues: Finding[] };

export function buildRunCreate(f: SubmitForm, parse: Parse): BuiltRequest {
  const findings: Finding[] = [];
  const problem = (path: string, why: string, fix: string) => findings.push({ severity: 'error', path, why, fix });
  if (!f.cluster) problem('cluster', 'no cluster is chosen', 'choose the cluster to submit to');
  const chain = Number(f.chainLength);
  if (!Number.isInteger(chain) || chain < 1 || chain > MAX_CHAIN_LENGTH)
    problem('chainLength', `${f.chainLength || '(empty)'} is not a chain length`, `use 1 to ${MAX_CHAIN_LENGTH}`);
  const name = f.name.trim();
  if (name && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(name))
    problem('name', 'a run name has letters, digits, `.`, `_` and `-` only, at most 40', 'rename the run');
  let config: RunCreateInput['config'] | null = null;
  if (f.source === 'preset') {
    if (!f.preset) problem('preset', 'no preset is chosen', 'choose a preset, or paste a config');
    else config = { preset: f.preset };
  } else if (!f.text.trim()) {
    problem('config', 'the config is empty', 'paste a run config (YAML or JSON) or upload its file');
  } else {
    const parsed = parse(f.text, f.fileName?.toLowerCase().endsWith('.json') ? 'json' : 'yaml');
    if (!parsed.ok) findings.push(...parsed.issues);
    else if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
      problem(
        'config',
        'the config is not a mapping of fields',
        'start from a preset exported with `trainboard render`',
      );
    else config = parsed.value as Record<string, unknown>;
  }
  if (findings.length > 0 || config === null) return { ok: false, findings };
  return { ok: true, body: { cluster: f.cluster, config, chainLength: chain, ...(name ? { name } : {}) } };
}
