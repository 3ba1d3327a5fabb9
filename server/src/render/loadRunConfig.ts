// The edge where a run config comes in: a YAML/JSON file or a built-in preset, merged over its cluster profile and
// validated by the pure code in shared.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  applyClusterProfile,
  isPresetName,
  parseRunConfigText,
  PRESETS,
  validateRunConfig,
} from '@trainboard/shared/runconfig/index';
import type { ConfigIssue, ParseResult, ValidationResult } from '@trainboard/shared/runconfig/index';
import { loadClusterProfiles } from './templates.js';

/** A file, a built-in preset, or a config already parsed (a request body, a CLI-read file). */
export type RunConfigSource = ({ file: string } | { preset: string } | { value: unknown }) & {
  /** Set over the config's `cluster` section before its profile is merged (the demo's partition on a cluster). */
  cluster?: Record<string, unknown>;
  /**
   * Set under the config's `cluster` section: the cluster row's defaults (partition, account, qos, profile) apply
   * only where the config names none, so a run's own partition wins over the row's default.
   */
  clusterDefaults?: Record<string, unknown>;
};

export type LoadResult = { ok: false; issues: ConfigIssue[] } | ValidationResult;

function fileIssue(why: string, fix: string): ConfigIssue {
  return { severity: 'error', rule: 'file', path: '(file)', value: undefined, why, fix };
}

/**
 * Reads, parses, merges over the cluster profile and validates: a file and a preset take the same path.
 * Never throws for bad user input: problems come back as findings.
 */
export async function loadRunConfig(source: RunConfigSource, templatesDir?: string): Promise<LoadResult> {
  const raw = await readRaw(source);
  if (!raw.ok) return raw;
  const value =
    source.cluster || source.clusterDefaults
      ? withCluster(raw.value, source.cluster ?? {}, source.clusterDefaults ?? {})
      : raw.value;
  const merged = applyClusterProfile(value, await loadClusterProfiles(templatesDir));
  if (!merged.ok) return merged;
  return validateRunConfig(merged.value);
}

async function readRaw(source: RunConfigSource): Promise<ParseResult> {
  if ('value' in source) return { ok: true, value: source.value };
  if ('preset' in source) {
    if (!isPresetName(source.preset)) {
      return {
        ok: false,
        issues: [
          {
            severity: 'error',
            rule: 'preset',
            path: '--preset',
            value: source.preset,
            why: 'no preset has this name',
            fix: `use one of: ${Object.keys(PRESETS).join(', ')}`,
          },
        ],
      };
    }
    return { ok: true, value: PRESETS[source.preset] };
  }
  let text: string;
  try {
    text = await readFile(source.file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      issues: [
        fileIssue(
          `cannot read ${source.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          'check the path',
        ),
      ],
    };
  }
  const format = path.extname(source.file).toLowerCase() === '.json' ? 'json' : 'yaml';
  return parseRunConfigText(text, format);
}

function withCluster(raw: unknown, over: Record<string, unknown>, under: Record<string, unknown>): unknown {
  if (typeof raw !== 'object' || raw === null) return raw; // validation reports it
  const own = (raw as { cluster?: unknown }).cluster;
  const mine = typeof own === 'object' && own !== null ? (own as Record<string, unknown>) : {};
  // A key the config sets to undefined names nothing: the default still applies.
  const named = Object.fromEntries(Object.entries(mine).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  return { ...raw, cluster: { ...under, ...named, ...over } };
}
