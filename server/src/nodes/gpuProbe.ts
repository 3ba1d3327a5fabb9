// Samples nvidia-smi on the nodes of a running job. On Slurm: one `srun --overlap` step in the job's allocation,
// one task per node (the training step keeps its CPUs and GPUs; the probe only reads counters). Locally: the same
// script, run once on this machine, for the local executor's one node.
import { fileURLToPath } from 'node:url';
import { GPU_PROBE_SCRIPT, parseGpuProbe, type GpuProbeParse } from '@trainboard/shared/nodes/nvidiaSmi';
import { overlapStepArgv } from '@trainboard/shared/slurm/overlapStep';
import { validateJobIds } from '@trainboard/shared/slurm/submit';
import { LocalShell } from '../adapters/localShell.js';
import type { Shell } from '../adapters/shell.js';

export interface GpuProbeOutput {
  parse: GpuProbeParse;
  /** Exit status of the step (srun's own, or sh's locally). */
  exitCode: number | null;
  /** srun's own complaints (e.g. `Job/step already completing`); task output goes to stdout with its label. */
  stderr: string;
}

export interface GpuProbe {
  /** @throws InvalidSubmitSpecError for a job id that is not `digits` or `digits_digits`, before anything runs. */
  sample(jobId: string, nodeCount: number): Promise<GpuProbeOutput>;
}

/** The fake nvidia-smi of this checkout: the local demo's GPUs on a machine that has none. */
export const FAKE_NVIDIA_SMI_DIR = fileURLToPath(new URL('../../../scripts/fake-trainer', import.meta.url));

/** A step that takes longer than this is abandoned: a stuck node must not hold the poller. */
const PROBE_TIMEOUT_MS = 20_000;

export function slurmGpuProbe(shell: Shell, timeoutMs = PROBE_TIMEOUT_MS): GpuProbe {
  return {
    async sample(jobId, nodeCount) {
      const r = await shell.exec(overlapStepArgv(jobId, nodeCount, GPU_PROBE_SCRIPT), { timeoutMs });
      return { parse: parseGpuProbe(r.stdout), exitCode: r.code, stderr: r.stderr };
    },
  };
}

export interface LocalGpuProbeOptions {
  /** The name the local executor gives its node. */
  nodeName: string;
  /** Searched after PATH, so a real nvidia-smi wins (the demo points it at the fake one). */
  fallbackPath?: string;
  timeoutMs?: number;
}

export function localGpuProbe(o: LocalGpuProbeOptions): GpuProbe {
  return {
    async sample(jobId) {
      const [id = ''] = validateJobIds([jobId]);
      const path = [process.env.PATH ?? '/usr/bin:/bin', ...(o.fallbackPath ? [o.fallbackPath] : [])].join(':');
      // The variables a Slurm step would have, so nvidia-smi wrappers (and the fake) see the same job.
      const shell = new LocalShell({
        env: { PATH: path, SLURMD_NODENAME: o.nodeName, SLURM_JOB_ID: id, SLURM_NODEID: '0' },
      });
      const r = await shell.exec(['sh', '-c', GPU_PROBE_SCRIPT], { timeoutMs: o.timeoutMs ?? PROBE_TIMEOUT_MS });
      return { parse: parseGpuProbe(r.stdout), exitCode: r.code, stderr: r.stderr };
    },
  };
}
