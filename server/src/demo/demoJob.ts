// The demo's job: the `demo` preset submitted like any run (SubmitRunService: validate, render, run folder), plus
// a small wrapper around the fake trainer written into the run folder that injects one crash — the first job dies
// at a chosen iteration, the failure policy resubmits it through runActions, and the new job resumes from the last
// checkpoint, so the restart shows on the charts.
import { posix } from 'node:path';
import type { ControlCluster } from '../control/ports.js';
import type { RenderOverrides } from '../control/submitRun.service.js';

export interface DemoCrash {
  /** The fake trainer's pretrain_gpt.py as the job sees it. */
  fakeTrainer: string;
  /** The first job crashes (a CUDA error) at this iteration; null: no crash. */
  crashAt: number | null;
}

/** The run folder's fault control file: writing a fault name into it (`hang`, `slow 3`…) injects it live. */
export const FAULT_CONTROL_FILE = 'fault-control';

/**
 * A Python wrapper that adds `--fault crash --fault-at-iteration N` once: while `marker` exists, task 0 reads N
 * from it and removes it, so the next job (the resubmission) trains normally. Every start also polls the run
 * folder's fault control file (`--control-file`), so a demo or a test can inject a hang or a slowdown live. Paths
 * are embedded as JSON strings, which Python reads as the same string literals.
 */
export function crashOnceWrapper(realTrainer: string, marker: string, controlFile: string): string {
  return `import os, runpy, sys
marker = ${JSON.stringify(marker)}
if os.environ.get("SLURM_PROCID", "0") == "0" and os.path.exists(marker):
    at = open(marker).read().strip()
    os.remove(marker)
    sys.argv += ["--fault", "crash", "--fault-at-iteration", at]
sys.argv += ["--control-file", ${JSON.stringify(controlFile)}]
sys.argv[0] = ${JSON.stringify(realTrainer)}
runpy.run_path(sys.argv[0], run_name="__main__")
`;
}

/** SubmitRunService's prepareRunDir for the demo: the wrapper (and the crash marker) in the run folder. */
export function demoRunDir(crash: DemoCrash): (cluster: ControlCluster, runDir: string) => Promise<RenderOverrides> {
  if (crash.crashAt !== null && !(Number.isInteger(crash.crashAt) && crash.crashAt > 0))
    throw new Error(`the crash iteration must be a positive integer, got ${crash.crashAt}`);
  return async (cluster, runDir) => {
    if (!posix.isAbsolute(runDir)) throw new Error(`the demo's run folder must be absolute: ${runDir}`);
    const wrapper = posix.join(runDir, 'pretrain_gpt_demo.py');
    const marker = posix.join(runDir, 'crash-once');
    const control = posix.join(runDir, FAULT_CONTROL_FILE);
    await cluster.files.writeFile(wrapper, crashOnceWrapper(crash.fakeTrainer, marker, control), 0o644);
    if (crash.crashAt !== null) await cluster.files.writeFile(marker, `${crash.crashAt}\n`, 0o644);
    return { fakeTrainerPath: wrapper };
  };
}
