// The exact commands the control plane runs, as argv: what a preview shows is what the controller sends.
import { expandHostlist } from '../slurm/hostlist.js';
import { buildHoldArgv, buildReleaseArgv, buildUpdateExcludeArgv } from '../slurm/scontrol.js';
import { buildSbatchArgv, validateJobIds, type SubmitSpec } from '../slurm/submit.js';
import { jobNameWithKey } from './idemKey.js';

/** The options every job of a run shares (name, dependency and exclude are per job). */
export type RunSubmitOptions = Omit<
  SubmitSpec,
  'script' | 'name' | 'comment' | 'dependency' | 'exclude' | 'array' | 'hold'
>;

export interface JobSubmit {
  baseName: string;
  key: string;
  dependsOn: string | null;
  exclude: string | null;
}

/** The spec for one keyed job of the chain (the script is the run's, sent on stdin). */
export function jobSubmitSpec(script: string, options: RunSubmitOptions, job: JobSubmit): SubmitSpec {
  return {
    ...options,
    script,
    name: jobNameWithKey(job.baseName, job.key),
    comment: job.key,
    ...(job.dependsOn ? { dependency: `afterany:${job.dependsOn}` } : {}),
    ...(job.exclude ? { exclude: job.exclude } : {}),
  };
}

/** sbatch argv for a keyed job: the key in `--job-name` (lookups) and `--comment` (humans, `squeue -o %k`). */
export function sbatchArgv(options: RunSubmitOptions, job: JobSubmit): string[] {
  return buildSbatchArgv(jobSubmitSpec('#!/bin/sh\n', options, job));
}

export function scancelArgv(ids: readonly string[]): string[] {
  return ['scancel', ...validateJobIds(ids)];
}

export const scontrolHoldArgv = (ids: readonly string[]): string[] => buildHoldArgv(validateJobIds(ids));
export const scontrolReleaseArgv = (ids: readonly string[]): string[] => buildReleaseArgv(validateJobIds(ids));

export function scontrolExcludeArgv(id: string, hostlist: string): string[] {
  return buildUpdateExcludeArgv(validateJobIds([id]), hostlist)[0]!;
}

export const touchArgv = (path: string): string[] => ['touch', '--', path];
export const removeArgv = (path: string): string[] => ['rm', '-f', '--', path];

/** The union of two node lists as one, each node once (expanded: `c[1-2]` + `c4` → `c1,c2,c4`). */
export function mergeHostlists(a: string | null, b: string | null): string | null {
  const nodes = [...new Set([...expandHostlist(a), ...expandHostlist(b)])].sort();
  return nodes.length ? nodes.join(',') : null;
}
