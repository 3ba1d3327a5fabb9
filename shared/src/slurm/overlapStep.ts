// One `srun --overlap` step into a running job: one task per node, each line labelled with its task, srun's own
// progress notes kept out of stderr. What the GPU probe and the py-spy stack dump both run on a job's nodes.
import { validateJobIds } from './submit.js';

export function overlapStepArgv(jobId: string, nodeCount: number, script: string): string[] {
  const [id] = validateJobIds([jobId]);
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 100_000)
    throw new RangeError(`node count ${nodeCount} is not a positive integer`);
  return [
    'srun',
    `--jobid=${id}`,
    '--overlap',
    `--nodes=${nodeCount}`,
    '--ntasks-per-node=1',
    '--label',
    '--quiet',
    'sh',
    '-c',
    script,
  ];
}
