// The demo's job, for any target: the `demo` preset rendered with the fake-trainer template (through
// renderRunConfig, the path `trainboard render` takes), a small wrapper
// around the fake trainer that injects one crash (the first job dies at a chosen iteration, so the restart from
// the last checkpoint shows on the charts), and the run's folder, all written through a Shell where the job runs
// (this machine for the local executor, the login node over SSH for Slurm).
import { posix } from 'node:path';
import { formatIssue } from '@trainboard/shared/runconfig/index';
import { renderRunConfig } from '../render/renderRunConfig.js';
import { CommandFailedError, type Shell } from '../adapters/shell.js';

export interface DemoJobTarget {
  /** Runs commands where the job runs. */
  shell: Shell;
  /** The run's folder there (absolute, created): the job's working directory, checkpoints and logs. */
  runDir: string;
  /** The fake trainer's pretrain_gpt.py as the job sees it. */
  fakeTrainer: string;
  /** The cluster's partition; the preset's when unset. */
  partition?: string;
}

export interface DemoJobOptions {
  secondsPerIteration: number;
  /** The first job crashes (a CUDA error) at this iteration; null: no crash. */
  crashAt: number | null;
}

export interface DemoJob {
  script: string;
  jobName: string;
  /** The job's working directory (= runDir): the preset's relative paths resolve there. */
  chdir: string;
  /** Absolute path of the main log the job appends to. */
  logPath: string;
  /** Iterations of the whole run (the plan's train_iters). */
  trainIters: number;
  /** The last checkpoint before the crash, where the second job resumes. */
  checkpointInterval: number;
}

/**
 * A Python wrapper that adds `--fault crash --fault-at-iteration N` once: while `marker` exists, task 0 reads N
 * from it and removes it, so the next job (the resubmission) trains normally. Paths are embedded as JSON strings,
 * which Python reads as the same string literals.
 */
export function crashOnceWrapper(realTrainer: string, marker: string): string {
  return `import os, runpy, sys
marker = ${JSON.stringify(marker)}
if os.environ.get("SLURM_PROCID", "0") == "0" and os.path.exists(marker):
    at = open(marker).read().strip()
    os.remove(marker)
    sys.argv += ["--fault", "crash", "--fault-at-iteration", at]
sys.argv[0] = ${JSON.stringify(realTrainer)}
runpy.run_path(sys.argv[0], run_name="__main__")
`;
}

async function writeFile(shell: Shell, path: string, content: string): Promise<void> {
  // dd writes stdin to the file: no shell redirection, so the path is one quoted argument like any other.
  const argv = ['dd', `of=${path}`, 'status=none'];
  const r = await shell.exec(argv, { stdin: content });
  if (r.code !== 0) throw new CommandFailedError(argv, r);
}

export async function prepareDemoJob(target: DemoJobTarget, options: DemoJobOptions): Promise<DemoJob> {
  if (!posix.isAbsolute(target.runDir)) throw new Error(`the demo's run folder must be absolute: ${target.runDir}`);
  const wrapper = posix.join(target.runDir, 'pretrain_gpt_demo.py');
  const marker = posix.join(target.runDir, 'crash-once');
  // The same path as `trainboard render --preset demo --template fake-trainer`: profile merged, validated, planned.
  const result = await renderRunConfig({
    source: { preset: 'demo', ...(target.partition ? { cluster: { partition: target.partition } } : {}) },
    template: 'fake-trainer',
    fakeTrainer: { fakeTrainerPath: wrapper, secondsPerIteration: options.secondsPerIteration },
  });
  if (!result.ok)
    throw new Error(
      `the demo preset does not validate for this cluster:\n${result.issues.map(formatIssue).join('\n')}`,
    );
  const { config, plan, rendered } = result;
  if (
    options.crashAt !== null &&
    !(Number.isInteger(options.crashAt) && options.crashAt > 0 && options.crashAt < plan.trainIters)
  ) {
    throw new Error(`the crash iteration must be an integer in [1, ${plan.trainIters - 1}], got ${options.crashAt}`);
  }
  const script = rendered.files[rendered.scriptName];
  if (script === undefined) throw new Error(`the renderer wrote no ${rendered.scriptName}`);

  const mkdir = ['mkdir', '-p', target.runDir];
  const made = await target.shell.exec(mkdir);
  if (made.code !== 0) throw new CommandFailedError(mkdir, made);
  await writeFile(target.shell, wrapper, crashOnceWrapper(target.fakeTrainer, marker));
  if (options.crashAt !== null) await writeFile(target.shell, marker, `${options.crashAt}\n`);
  return {
    script,
    jobName: config.cluster.jobName,
    chdir: target.runDir,
    logPath: posix.resolve(target.runDir, config.logging.mainLog),
    trainIters: plan.trainIters,
    checkpointInterval: config.checkpointing.saveInterval,
  };
}
