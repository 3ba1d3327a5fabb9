// The edge where a run config comes in: a YAML/JSON file or a built-in preset, merged over its cluster profile and
// validated by the pure code in shared.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  applyClusterProfile, isPresetName, parseRunConfigText, PRESETS, validateRunConfig,
} from '@trainboard/shared/runconfig/index';
import type { ConfigIssue, ValidationResult } from '@trainboard/shared/runconfig/index';
import { loadClusterProfiles } from './templates.js';

export type RunConfigSource = { file: string } | { preset: string };

export type LoadResult = { ok: false; issues: ConfigIssue[] } | ValidationResult;

function fileIssue(why: string, fix: string): ConfigIssue {
  return { severity: 'error', rule: 'file', path: '(file)', value: undefined, why, fix };
}

/** Reads, parses, merges and validates. Never throws for bad user input: problems come back as findings. */
export async function loadRunConfig(source: RunConfigSource, templatesDir?: string): Promise<LoadResult> {
  if ('preset' in source) {
    if (!isPresetName(source.preset)) {
      return { ok: false, issues: [{ severity: 'error', rule: 'preset', path: '--preset', value: source.preset,
        why: 'no preset has this name', fix: `use one of: ${Object.keys(PRESETS).join(', ')}` }] };
    }
    return validateRunConfig(PRESETS[source.preset]);
  }
  let text: string;
  try {
    text = await readFile(source.file, 'utf8');
  } catch (error) {
    return { ok: false, issues: [fileIssue(`cannot read ${source.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check the path')] };
  }
  const format = path.extname(source.file).toLowerCase() === '.json' ? 'json' : 'yaml';
  const parsed = parseRunConfigText(text, format);
  if (!parsed.ok) return parsed;
  const merged = applyClusterProfile(parsed.value, await loadClusterProfiles(templatesDir));
  if (!merged.ok) return merged;
  return validateRunConfig(merged.value);
}
