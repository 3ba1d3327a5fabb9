// The exact commands the control plane runs, as argv: what a preview shows is what the controller sends.
import { expandHostlist } from '../slurm/hostlist.js';
import { buildSbatchArgv, HOSTLIST, validateJobIds, type SubmitSpec } from '../slurm/submit.js';
import { jobNameWithKey } from './idemKey.js';

/** The options every job of a run shares (name, dependency and exclude are per job). */
export type RunSubmitOptions = Omit<SubmitSpec, 'script' | 'name' | 'dependency' | 'exclude' | 'array' | 'hold'>;

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
    ...(job.dependsOn ? { dependency: `afterany:${job.dependsOn}` } : {}),
    ...(job.exclude ? { exclude: job.exclude } : {}),
  };
}

/** sbatch argv for a keyed job, with the key also in `--comment` (for humans and `squeue -o %k`). */
export function sbatchArgv(options: RunSubmitOptions, job: JobSubmit): string[] {
  return [...buildSbatchArgv(jobSubmitSpec('#!/bin/sh\n', options, job)), `--comment=${job.key}`];
}

export function scancelArgv(ids: readonly string[]): string[] {
  return ['scancel', ...validateJobIds(ids)];
}

export function scontrolHoldArgv(ids: readonly string[]): string[] {
  return ['scontrol', 'hold', validateJobIds(ids).join(',')];
}

export function scontrolReleaseArgv(ids: readonly string[]): string[] {
  return ['scontrol', 'release', validateJobIds(ids).join(',')];
}

export function scontrolExcludeArgv(id: string, hostlist: string): string[] {
  if (!HOSTLIST.test(hostlist)) throw new Error('not a node list');
  return ['scontrol', 'update', `JobId=${validateJobIds([id])[0]!}`, `ExcNodeList=${hostlist}`];
}

export const touchArgv = (path: string): string[] => ['touch', '--', path];
export const removeArgv = (path: string): string[] => ['rm', '-f', '--', path];

/** The union of two node lists as one, each node once (expanded: `c[1-2]` + `c4` → `c1,c2,c4`). */
export function mergeHostlists(a: string | null, b: string | null): string | null {
  const nodes = [...new Set([...expandHostlist(a), ...expandHostlist(b)])].sort();
  return nodes.length ? nodes.join(',') : null;
}
