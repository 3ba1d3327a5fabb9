// The per-run fault wrapper the scenario runs' jobs start instead of the fake trainer (the cluster row's
// fakeTrainerPath). One file serves every run: it finds its run from the job's keyed name (`<run>.tb.<install>.<id>`)
// and reads that run's faults from `<faultsDir>/<run>.json`, written by the harness before the run is submitted.
// The run's FIRST job (the first job id to claim the run folder's marker, atomically with link(2), so every task of
// that job agrees) gets `firstArgs`; every job gets `args`, the run folder's fault control file and, on request,
// `--wall-clock-start` moved back (a job that has "already run" that many seconds: F8's graceful exit in seconds).
// `persistAfterFailure`: the first job's task outlives a trainer that failed — the tr11 #10 "training crashes but
// SLURM doesn't quit" (F4) — by sleeping where the torchelastic agent would have exited.
export interface RunFaults {
  /** Extra fake-trainer arguments for every job of the run. */
  args?: string[];
  /** Extra arguments for the run's first job only (the fault that a restart must not repeat). */
  firstArgs?: string[];
  /** Extra arguments for every job after the first (F16: a different world size after the restart). */
  laterArgs?: string[];
  /** First job only: pretend the job started this many seconds ago (`--wall-clock-start`). */
  wallClockBackSeconds?: number;
  /** First job only: when the trainer exits non-zero, keep the task alive (the job stays RUNNING). */
  persistAfterFailure?: boolean;
}

/** Python source of the wrapper; `trainer` and `faultsDir` are embedded as JSON strings (valid Python literals). */
export function wrapperSource(trainer: string, faultsDir: string): string {
  return `import json, os, subprocess, sys, time
TRAINER = ${JSON.stringify(trainer)}
FAULTS_DIR = ${JSON.stringify(faultsDir)}
run = os.environ.get("SLURM_JOB_NAME", "").split(".tb.")[0]
job = os.environ.get("SLURM_JOB_ID", "0")
spec = {}
path = os.path.join(FAULTS_DIR, run + ".json")
if run and os.path.exists(path):
    with open(path) as f:
        spec = json.load(f)
# The first job id to link the marker owns "first"; link(2) fails if it exists, so tasks never half-read it.
tmp = ".scenario-first-job.%s.%d" % (job, os.getpid())
with open(tmp, "w") as f:
    f.write(job)
try:
    os.link(tmp, ".scenario-first-job")
except FileExistsError:
    pass
os.remove(tmp)
with open(".scenario-first-job") as f:
    first = f.read().strip() == job
args = sys.argv[1:] + spec.get("args", []) + (spec.get("firstArgs", []) if first else spec.get("laterArgs", []))
args += ["--control-file", os.path.abspath("fault-control")]
if first and spec.get("wallClockBackSeconds") is not None:
    args += ["--wall-clock-start", repr(time.time() - float(spec["wallClockBackSeconds"]))]
argv = [sys.executable, "-u", TRAINER] + args
if first and spec.get("persistAfterFailure"):
    code = subprocess.call(argv)
    if code != 0:
        while True:
            time.sleep(3600)
    sys.exit(code)
os.execv(sys.executable, argv)
`;
}
