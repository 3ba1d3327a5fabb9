// The failure scenarios F1–F18 (../shared/docs/incidents.md §4) replayed on the loopback Slurm with the fake
// trainer's faults. Each scenario submits its own small run through POST /api/runs, injects its fault, and reports
// what happened — the incident's kind, the measured detection time against its limit, the recovery action found in
// the audit, and whether squeue agrees — as data: runScenario() asserts nothing (the bench's `operate` imports it),
// scenarios.test.ts does.
//
// Detection-time rule (limitMs):
// - log evidence (F1, F2, F4's text, F5–F9, F15, F16, F18): 2 × the run's median iteration time;
// - a hang (F3) or a crash followed by silence (F4): the incident's own deadline (details.deadlineMs / graceMs),
//   plus one incident tick (the silence is noticed at the first tick past the deadline) plus the harness's own
//   incident poll (the measurement's resolution), counted from when the server saw the last line;
// - Slurm-state evidence (F10–F13, F17): one incident tick plus 2 × the median iteration time, counted from the
//   moment the harness's own change returned (scancel, scontrol, the file that fills the run's filesystem);
//   F11 adds pending_idle's confirm time (a job may wait a little before it starts: the server's
//   TRAINBOARD_PENDING_IDLE_CONFIRM_MS, 3 s in the harness), F17 the server's filesystem-read cadence (the
//   harness's DISK_EVERY_MS, 2 s; 5 min by default), counted from when the harness filled the run's filesystem.
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import type { IncidentKind } from '@trainboard/shared/detect/incident';
import { DEV_CLUSTER, sleep } from '../integration/cluster.js';
import {
  DISK_EVERY_MS,
  INCIDENT_POLL_MS,
  INCIDENT_TICK_MS,
  PENDING_IDLE_CONFIRM_MS,
  SECONDS_PER_ITERATION,
  live,
  scontrol as scontrolAsRoot,
  type AuditEntry,
  type Harness,
  type QueuedJob,
  type ScenarioRun,
} from './harness.js';

const POLICY = new Set(['incident policy', 'failure policy']);

export interface ScenarioExpect {
  kind: IncidentKind | null;
  failureKind?: string;
  /** What the recovery policy (or, for F8/F15/F16/F18, the chain) does, in words for the report. */
  policyAction: string;
}

export interface Scenario {
  id: string;
  name: string;
  setup: string;
  fault: string;
  expect: ScenarioExpect;
  /** How long the scenario may take (the test's timeout): hangs and hard time limits wait for their deadlines. */
  budgetMs: number;
  /** Submitted before the others (F9 needs two nodes' room before the 1-node runs take it). */
  startsFirst?: boolean;
  run(h: Harness): Promise<ScenarioResult>;
}

export interface ScenarioResult {
  id: string;
  /** The expected incident's kind when it opened, else null (F14: null is the expectation). */
  kind: string | null;
  failureKind?: string | null;
  detectMs: number | null;
  medianIterationMs: number | null;
  limitMs: number | null;
  /** The recovery action found (`run.resubmit by system`, `none`…), or null when the expected one did not happen. */
  action: string | null;
  slurmAgrees: boolean;
  /** Incidents that must not be there (warning/critical ones in F8 graceful and F14). */
  unexpected: string[];
  notes: string[];
}

// ------------------------------------------------------------------------------------------- measurement helpers

interface Seen {
  incident: StoredIncident;
  seenAtMs: number;
}

async function expectIncident(h: Harness, run: ScenarioRun, kind: IncidentKind, timeoutMs: number) {
  return h.waitIncident(run.runId, (i) => i.kind === kind, timeoutMs);
}

/** detectMs for log evidence: first seen − when the evidence's first byte was in the log file. */
async function fromLog(h: Harness, run: ScenarioRun, s: Seen | null, notes: string[]): Promise<number | null> {
  if (!s) return null;
  const offset = s.incident.offset ?? s.incident.evidence[0]?.offset ?? null;
  if (offset === null) {
    notes.push('the incident has no log offset');
    return null;
  }
  const written = await h.writtenAt(run, offset);
  if (written === null) notes.push(`the log never held byte ${offset}`);
  // Seen before the sample that covered it: faster than the sampling resolution.
  return written === null ? null : Math.max(0, s.seenAtMs - written);
}

/**
 * detectMs for silence (F3, F4): first seen − when the server's silence clock started (the arrival of the last
 * progress line, or of the failure text), i.e. the incident's openedAtMs (that start + its deadline) − the deadline.
 * Measured on the server's arrival clock, since a deadline can only count from what the server has seen.
 */
function fromSilence(s: Seen | null, deadlineMs: number): number | null {
  if (!s || !Number.isFinite(deadlineMs)) return null;
  return s.seenAtMs - (s.incident.openedAtMs - deadlineMs);
}

function result(
  id: string,
  s: Seen | null,
  r: Omit<ScenarioResult, 'id' | 'kind' | 'unexpected' | 'notes'> & { unexpected?: string[]; notes: string[] },
): ScenarioResult {
  return {
    id,
    kind: s?.incident.kind ?? null,
    failureKind: s?.incident.failureKind ?? null,
    unexpected: [],
    ...r,
  };
}

/** The first audit entry by the recovery policy (incident or failure policy) with one of these actions, in words. */
async function policyAction(
  h: Harness,
  run: ScenarioRun,
  actions: string[],
  timeoutMs: number,
  extra: (e: AuditEntry) => boolean = () => true,
): Promise<AuditEntry | null> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = (await h.audit(run.runId)).find(
      (e) => POLICY.has(e.actorName) && actions.includes(e.action) && e.result !== 'refused' && extra(e),
    );
    if (found || Date.now() > end) return found ?? null;
    await sleep(500);
  }
}

const described = (e: AuditEntry | null) => (e ? `${e.action} by ${e.actorName}` : null);

/** Polls squeue until `ok` holds (true) or the time is up (false). */
async function slurmUntil(h: Harness, run: ScenarioRun, ok: (q: QueuedJob[]) => boolean, ms: number) {
  const end = Date.now() + ms;
  for (;;) {
    if (ok(await h.queue(run))) return true;
    if (Date.now() > end) return false;
    await sleep(500);
  }
}

async function runningJob(h: Harness, run: ScenarioRun, ms = 90_000): Promise<QueuedJob> {
  return h.until(`${run.name} to run`, async () => (await h.queue(run)).find((j) => j.state === 'RUNNING'), ms);
}

async function iterationsReached(h: Harness, run: ScenarioRun, n: number, ms = 90_000): Promise<void> {
  await h.until(
    `${run.name} to log iteration ${n}`,
    async () => ((await h.latestIteration(run.runId)) >= n ? true : undefined),
    ms,
  );
}

/** Submits and lets the recovery policy act at once (its backoff is tested elsewhere; here it would only wait). */
async function submit(h: Harness, base: string, o: Parameters<Harness['submit']>[1]): Promise<ScenarioRun> {
  const run = await h.submit(base, o);
  await h.setRecoveryPolicy(run.runId, { backoffBaseSeconds: 0 });
  return run;
}

/** Warning and critical incidents of the run (for scenarios that must raise none). */
async function alarms(h: Harness, run: ScenarioRun): Promise<string[]> {
  return (await h.incidents(run.runId))
    .filter((i) => i.severity !== 'info')
    .map((i) => `${i.kind}${i.failureKind ? `/${i.failureKind}` : ''}: ${i.title}`);
}

const crashLimit = (median: number | null) => (median === null ? null : 2 * median);
const slurmLimit = (median: number | null) => (median === null ? null : INCIDENT_TICK_MS + 2 * median);

const scontrol = (h: Harness, ...args: string[]) => scontrolAsRoot(h.c, ...args);

function devCluster(...args: string[]): void {
  execFileSync('bash', [DEV_CLUSTER, ...args], { stdio: 'ignore' });
}

// ------------------------------------------------------------------------------------------------- scenarios

/** The nodes every scenario run avoids but F9's: F9 crashes c4 (and with it any job there). */
const NOT_C4 = { exclude: 'c4' };

/** F1: a crash mid-run (CUDA error or ECC): the failure policy (or the incident policy) starts the next job. */
function crashScenario(id: string, fault: 'crash' | 'ecc', failureKind: string): Scenario {
  return {
    id,
    name: `crash mid-run (${fault})`,
    setup: '1-node run, chain of 1',
    fault: `--fault ${fault} --fault-at-iteration 8 (first job only)`,
    expect: { kind: 'crash', failureKind, policyAction: 'resubmit (failure policy), or exclude the ECC node' },
    budgetMs: 120_000,
    async run(h) {
      const notes: string[] = [];
      const run = await submit(h, id.toLowerCase(), {
        cluster: NOT_C4,
        faults: { firstArgs: ['--fault', fault, '--fault-at-iteration', '8'] },
      });
      const first = await runningJob(h, run);
      const seen = await expectIncident(h, run, 'crash', 60_000);
      const detectMs = await fromLog(h, run, seen, notes);
      const action = await policyAction(h, run, ['run.resubmit', 'run.exclude'], 60_000);
      const excluded = action?.action === 'run.exclude' ? first.nodes : [];
      const slurmAgrees = await slurmUntil(
        h,
        run,
        (q) =>
          q.some((j) => j.id === first.id && j.state === 'FAILED') &&
          q.some((j) => j.id !== first.id && j.state === 'RUNNING' && !j.nodes.some((n) => excluded.includes(n))),
        60_000,
      );
      const median = await h.medianIterationMs(run.runId);
      return result(id, seen, {
        detectMs,
        medianIterationMs: median,
        limitMs: crashLimit(median),
        action: described(action),
        slurmAgrees,
        notes,
      });
    },
  };
}

const F2: Scenario = {
  id: 'F2',
  name: 'crash again on restart, on the same bad node',
  setup: '1-node run pinned to c3 by its config (exclude c1, c2, c4); chain of 1',
  // tr1-13B's order: an ECC crash mid-run (F1, which names no node: restarted unchanged, onto c3 again), then the
  // next job dies at start-up on the same node. A start-up ECC error in a 1-node job is blamed on its node at once
  // (the crash excludes it), so a bad node from the first job on would never be restarted onto: no repeat to see.
  fault: '--fault ecc --fault-at-iteration 5 (first job), then --bad-node c3 (every later job on c3 fails at start-up)',
  // The run may use only c3, so excluding c3 leaves no node for it: the recovery policy holds the run and says why
  // (incidents.md F2: never auto-resubmit onto the bad node; F12: warn before proposing an exclusion that leaves too
  // few nodes) instead of asking Slurm for a job it refuses. F9 shows the exclusion with a spare node.
  expect: {
    kind: 'node_failure',
    policyAction:
      'exclude c3: no node left for the pinned run, so hold it and say why (incident policy); never onto c3',
  },
  budgetMs: 150_000,
  async run(h) {
    const notes: string[] = [];
    const run = await submit(h, 'f2', {
      cluster: { exclude: 'c[1-2],c4' },
      faults: { firstArgs: ['--fault', 'ecc', '--fault-at-iteration', '5'], laterArgs: ['--bad-node', 'c3'] },
    });
    const seen = await h.waitIncident(
      run.runId,
      (i) => i.kind === 'node_failure' && i.details?.repeat === true,
      90_000,
    );
    const detectMs = await fromLog(h, run, seen, notes);
    const shortfall = (e: AuditEntry) => /excluding c3 leaves 0 usable nodes/.test(e.message ?? '');
    const action = await policyAction(h, run, ['run.hold'], 60_000, shortfall);
    const heldAt = action ? action.atMs : Infinity;
    // Never looped onto c3: no job is submitted after the hold, and none of the run's is left on c3.
    await sleep(2 * INCIDENT_TICK_MS);
    const submits = (await h.audit(run.runId)).filter((e) => e.action === 'job.submit' && e.atMs >= heldAt);
    if (submits.length) notes.push(`${submits.length} job(s) submitted after the hold`);
    const onC3 = (await h.queue(run)).filter((j) => j.state === 'RUNNING' && j.nodes.includes('c3'));
    if (onC3.length) notes.push(`job ${onC3[0]!.id} still runs on c3`);
    const median = await h.medianIterationMs(run.runId);
    return result('F2', seen, {
      detectMs,
      medianIterationMs: median,
      limitMs: crashLimit(median),
      action: action ? `${described(action)}: ${action.message}` : null,
      slurmAgrees: action !== null && submits.length === 0 && onC3.length === 0,
      notes,
    });
  },
};

/** F3: a silent hang (step, or in the middle of a validation round); the policy dumps stacks, cancels, resubmits. */
function hangScenario(id: string, fault: 'hang' | 'hang-eval', at: number, section: string): Scenario {
  return {
    id,
    name: `silent hang (${section})`,
    setup: '1-node run, chain of 1, eval every 10',
    fault: `--fault ${fault} --fault-at-iteration ${at} (first job only)`,
    expect: { kind: 'hang', policyAction: 'stack dump attempt, cancel and resubmit (incident policy)' },
    budgetMs: 180_000,
    async run(h) {
      const notes: string[] = [];
      const run = await submit(h, id.toLowerCase(), {
        cluster: NOT_C4,
        faults: { firstArgs: ['--fault', fault, '--fault-at-iteration', String(at)] },
      });
      const first = await runningJob(h, run);
      const seen = await expectIncident(h, run, 'hang', 150_000);
      if (seen && seen.incident.details?.section !== section)
        notes.push(`section ${String(seen.incident.details?.section)}, expected ${section}`);
      const deadline = Number(seen?.incident.details?.deadlineMs ?? NaN);
      const detectMs = fromSilence(seen, deadline);
      const action = await policyAction(h, run, ['run.resubmit'], 60_000);
      const slurmAgrees = await slurmUntil(
        h,
        run,
        (q) =>
          q.some((j) => j.id === first.id && j.state !== 'RUNNING') &&
          q.some((j) => j.id !== first.id && j.state === 'RUNNING'),
        60_000,
      );
      return result(id, seen, {
        detectMs,
        medianIterationMs: await h.medianIterationMs(run.runId),
        limitMs: Number.isFinite(deadline) ? deadline + INCIDENT_TICK_MS + INCIDENT_POLL_MS : null,
        action: described(action),
        slurmAgrees: slurmAgrees && notes.length === 0,
        notes,
      });
    },
  };
}

const F4: Scenario = {
  id: 'F4',
  name: 'crash that does not end the job',
  setup: '1-node run, chain of 1; the wrapper keeps the task alive after the trainer died (tr11 #10)',
  fault: '--fault crash --fault-at-iteration 8, then the task sleeps: the job stays RUNNING',
  expect: { kind: 'failure_silence', policyAction: 'treat the job as dead: cancel it (and resubmit)' },
  budgetMs: 180_000,
  async run(h) {
    const notes: string[] = [];
    const run = await submit(h, 'f4', {
      cluster: NOT_C4,
      faults: { firstArgs: ['--fault', 'crash', '--fault-at-iteration', '8'], persistAfterFailure: true },
    });
    const first = await runningJob(h, run);
    const seen = await expectIncident(h, run, 'failure_silence', 150_000);
    const grace = Number(seen?.incident.details?.graceMs ?? NaN);
    const detectMs = fromSilence(seen, grace);
    const action = await policyAction(h, run, ['run.cancel_job', 'run.resubmit', 'run.cancel_run'], 30_000);
    const slurmAgrees = await slurmUntil(
      h,
      run,
      (q) => q.some((j) => j.id === first.id && j.state !== 'RUNNING'),
      30_000,
    );
    return result('F4', seen, {
      detectMs,
      medianIterationMs: await h.medianIterationMs(run.runId),
      limitMs: Number.isFinite(grace) ? grace + INCIDENT_TICK_MS + INCIDENT_POLL_MS : null,
      action: described(action),
      slurmAgrees,
      notes,
    });
  },
};

/** A metric incident the policy must not act on (F5 annotate) or only suggest for (F6 stop, F7 exclude). */
function metricScenario(id: string, kind: IncidentKind, fault: string[], policy: string, suggested: string): Scenario {
  return {
    id,
    name: `${kind.replace('_', ' ')}`,
    setup: '1-node run, chain of 1',
    fault: `${fault.join(' ')} (first job only)`,
    expect: { kind, policyAction: policy },
    budgetMs: 120_000,
    async run(h) {
      const notes: string[] = [];
      const run = await submit(h, id.toLowerCase(), { cluster: NOT_C4, faults: { firstArgs: fault } });
      const first = await runningJob(h, run);
      const seen = await expectIncident(h, run, kind, 80_000);
      const detectMs = await fromLog(h, run, seen, notes);
      if (seen && (seen.incident.suggestedAction?.kind ?? 'none') !== suggested)
        notes.push(`suggested ${seen.incident.suggestedAction?.kind ?? 'nothing'}, expected ${suggested}`);
      // The policy acts on none of these by default: a few ticks later nothing was done and the job still runs.
      await sleep(3 * INCIDENT_TICK_MS);
      const acted = await policyAction(h, run, ['run.resubmit', 'run.exclude', 'run.cancel_run', 'run.hold'], 0);
      const slurmAgrees = (await h.queue(run)).some((j) => j.id === first.id && j.state === 'RUNNING');
      const median = await h.medianIterationMs(run.runId);
      return result(id, seen, {
        detectMs,
        medianIterationMs: median,
        limitMs: crashLimit(median),
        action: acted ? described(acted) : seen && notes.length === 0 ? `none (suggests ${suggested})` : null,
        slurmAgrees,
        notes,
      });
    },
  };
}

const F7: Scenario = {
  id: 'F7',
  name: 'throughput regression without a restart (a straggler)',
  setup: '1-node run, chain of 1',
  fault: '--fault straggler --fault-at-iteration 25 --slow-factor 1.5 (first job; GPU 0 of its node reports slow/hot)',
  expect: {
    kind: 'throughput_regression',
    policyAction: 'exclude the named straggler node and restart (incident policy)',
  },
  budgetMs: 180_000,
  async run(h) {
    const notes: string[] = [];
    const run = await submit(h, 'f7', {
      cluster: NOT_C4,
      faults: { firstArgs: ['--fault', 'straggler', '--fault-at-iteration', '25', '--slow-factor', '1.5'] },
    });
    const first = await runningJob(h, run);
    const seen = await expectIncident(h, run, 'throughput_regression', 100_000);
    // A regression is one once sustained: the detection counts from the line that made it so (the detector's
    // "sustained from here" evidence), not from the first slow line.
    const sustained = seen?.incident.evidence.find((e) => /sustained/.test(e.text))?.offset ?? null;
    const detectMs =
      seen && sustained !== null
        ? await fromLog(h, run, { ...seen, incident: { ...seen.incident, offset: sustained } }, notes)
        : null;
    // The suspect is named once the nodes' GPU facts come in (the poller watches a run with an open regression,
    // re-watched every 15 s) and the node stood out in 2 reports in a row (the nodes poll is 2 s here): up to ~20 s
    // on an idle machine, more when twenty runs share its two cores.
    const named = seen
      ? await h.waitIncident(run.runId, (i) => i.id === seen.incident.id && !!i.suggestedAction?.nodes?.length, 75_000)
      : null;
    const suspects = named?.incident.suggestedAction?.nodes ?? [];
    if (seen && !first.nodes.every((n) => suspects.includes(n))) notes.push(`suspects ${suspects.join(',')}`);
    const action = await policyAction(h, run, ['run.exclude', 'run.resubmit'], 60_000, (e) =>
      first.nodes.every((n) => (e.command ?? '').includes(n)),
    );
    const slurmAgrees = await slurmUntil(
      h,
      run,
      (q) => q.some((j) => j.id !== first.id && j.state === 'RUNNING' && !j.nodes.some((n) => suspects.includes(n))),
      60_000,
    );
    const median = await h.medianIterationMs(run.runId);
    return result('F7', seen, {
      detectMs,
      medianIterationMs: median,
      limitMs: crashLimit(median),
      action: described(action),
      slurmAgrees,
      notes,
    });
  },
};

/** F8 graceful: the duration exit, then the chain's next job; info only, no alarm. */
const F8: Scenario = {
  id: 'F8',
  name: 'wall-clock limit, graceful',
  setup: '1-node run, chain of 2; the first job "started" 55 s ago with --exit-duration-in-mins 1',
  fault: '--wall-clock-start now−55 s --exit-duration-in-mins 1 (first job only)',
  expect: { kind: 'time_limit', policyAction: 'none: the chain’s next job resumes from the save' },
  budgetMs: 120_000,
  async run(h) {
    const notes: string[] = [];
    const run = await submit(h, 'f8', {
      cluster: NOT_C4,
      chainLength: 2,
      faults: { firstArgs: ['--exit-duration-in-mins', '1'], wallClockBackSeconds: 55 },
    });
    const seen = await expectIncident(h, run, 'time_limit', 80_000);
    if (seen && seen.incident.details?.graceful !== true) notes.push('not graceful');
    const detectMs = await fromLog(h, run, seen, notes);
    const slurmAgrees = await slurmUntil(
      h,
      run,
      (q) => q[0]?.state === 'COMPLETED' && q.slice(1).some((j) => j.state === 'RUNNING'),
      60_000,
    );
    await sleep(3 * INCIDENT_TICK_MS);
    const median = await h.medianIterationMs(run.runId);
    return result('F8', seen, {
      detectMs,
      medianIterationMs: median,
      limitMs: crashLimit(median),
      action: slurmAgrees ? 'none: the next job of the chain runs' : null,
      slurmAgrees: slurmAgrees && notes.length === 0,
      unexpected: await alarms(h, run),
      notes,
    });
  },
};

const F8_HARD: Scenario = {
  id: 'F8-hard',
  name: 'wall-clock limit, hard (Slurm kills the job)',
  setup: '1-node run, chain of 1, --time=0:01:00 (Slurm’s granularity is a minute: ≥ 60 s)',
  fault: 'Slurm’s time limit, no graceful exit configured before it',
  expect: { kind: 'time_limit', policyAction: 'flag the config; the failure policy resubmits' },
  budgetMs: 210_000,
  async run(h) {
    const notes: string[] = [];
    const run = await submit(h, 'f8-hard', {
      cluster: { ...NOT_C4, timeLimit: '0:01:00' },
      config: { exitDurationMins: undefined },
    });
    const first = await runningJob(h, run);
    const seen = await expectIncident(h, run, 'time_limit', 180_000);
    if (seen && seen.incident.details?.graceful !== false) notes.push('graceful, expected hard');
    const detectMs = await fromLog(h, run, seen, notes);
    const action = await policyAction(h, run, ['run.resubmit'], 30_000);
    const slurmAgrees = await slurmUntil(
      h,
      run,
      (q) => q.some((j) => j.id === first.id && j.state === 'TIMEOUT') && q.some((j) => j.id !== first.id),
      30_000,
    );
    const median = await h.medianIterationMs(run.runId);
    return result('F8-hard', seen, {
      detectMs,
      medianIterationMs: median,
      limitMs: crashLimit(median),
      action: described(action),
      slurmAgrees,
      notes,
    });
  },
};

const F9: Scenario = {
  id: 'F9',
  name: 'node failure',
  setup:
    '2-node run on c4 + the roomiest of c1–c3 with a spare (one of c1–c3 excluded), chain of 1: the batch step on ' +
    'the other node sees c4 die; the replacement runs on the partner and the spare',
  fault: 'scripts/dev-cluster fault crash c4 (slurmd and every process of c4 killed), then fault restart c4',
  expect: { kind: 'node_failure', policyAction: 'exclude c4 and resubmit (incident policy)' },
  budgetMs: 300_000,
  startsFirst: true,
  async run(h) {
    const notes: string[] = [];
    // c4 (which the others avoid) and the node of c1–c3 with the most idle CPUs now (other tests' runs take whole
    // nodes): the batch step runs on the first of the two, which survives. The next roomiest stays allowed as the
    // spare a replacement excluding c4 needs (BLOOM kept spare nodes): excluding c4 from a run pinned to two nodes
    // leaves one, and the recovery policy then holds the run instead (sbatch refuses such a job).
    // The roomiest is the partner: with the spare's Weight raised, Slurm puts the job on it and c4.
    const [, spare, excluded] = await byRoom(h, ['c1', 'c2', 'c3']);
    // Slurm gives a job the lowest-weight, then lowest-numbered idle nodes: the spare would win over c4. Its Weight is
    // raised only until the first job runs (a placement preference, not a state: other jobs may still use it).
    const weight = nodeWeight(h, spare!);
    let first: QueuedJob;
    let run: ScenarioRun;
    scontrol(h, 'update', `NodeName=${spare}`, 'Weight=1000');
    try {
      run = await submit(h, 'f9', { cluster: { nodes: 2, exclude: excluded } });
      first = await runningJob(h, run);
    } finally {
      scontrol(h, 'update', `NodeName=${spare}`, `Weight=${weight}`);
    }
    if (!first.nodes.includes('c4')) notes.push(`the run landed on ${first.nodes.join(',')}, not c4`);
    await iterationsReached(h, run, 5);
    devCluster('fault', 'crash', 'c4');
    // Slurm's own view becomes evidence once sinfo shows c4 not responding or down (SlurmdTimeout after the crash).
    const slurmSaw = firstSeenDown(h, 'c4', 90_000);
    let seen: Seen | null = null;
    let action: AuditEntry | null = null;
    let slurmAgrees = false;
    try {
      seen = await expectIncident(h, run, 'node_failure', 90_000);
      action = await policyAction(h, run, ['run.exclude'], 60_000, (e) => /\bc4\b/.test(e.command ?? ''));
      // The policy cancels the job (or Slurm's requeue of it) and submits one excluding c4 on top of the run's own
      // exclusion: Slurm agrees once the run's newest live job excludes c4 and is not on it (PENDING counts: the
      // partner and the spare may be busy with other scenarios' runs).
      slurmAgrees = await liveJobExcludes(h, run, 'c4', 90_000);
      if (!slurmAgrees) notes.push("the run's live job never excluded c4 (scontrol show job ExcNodeList)");
    } finally {
      devCluster('fault', 'restart', 'c4');
    }
    const median = await h.medianIterationMs(run.runId);
    // Whichever saw it first: the log's `Node failure on c4` (2 × median iteration from its bytes), or Slurm marking
    // c4 down (one incident tick + 2 × median iteration from when sinfo first showed it).
    const fromSlurm = seen?.incident.details?.source === 'slurm';
    const downAt = fromSlurm ? await slurmSaw : null;
    if (fromSlurm && downAt === null) notes.push('sinfo never showed c4 not responding or down');
    return result('F9', seen, {
      detectMs: fromSlurm
        ? seen && downAt !== null
          ? Math.max(0, seen.seenAtMs - downAt)
          : null
        : await fromLog(h, run, seen, notes),
      medianIterationMs: median,
      limitMs: fromSlurm ? slurmLimit(median) : crashLimit(median),
      action: described(action),
      slurmAgrees,
      notes,
    });
  },
};

/** Whether, within `ms`, the run's newest live job excludes `node` (ExcNodeList) and does not run on it. */
async function liveJobExcludes(h: Harness, run: ScenarioRun, node: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const live = (await h.queue(run)).filter((j) => j.state === 'RUNNING' || j.state === 'PENDING').at(-1);
    if (live && !live.nodes.includes(node)) {
      const shown = await h.slurm(['scontrol', 'show', 'job', '-o', live.id]);
      if (expandHostlist(/ExcNodeList=(\S+)/.exec(shown)?.[1] ?? null).includes(node)) return true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/** When sinfo first shows `node` not responding (`*`) or down, polled every 200 ms; null past `ms`. */
async function firstSeenDown(h: Harness, node: string, ms: number): Promise<number | null> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const state = (await h.slurm(['sinfo', '--noheader', '--Node', `--nodes=${node}`, '--format=%T'])).trim();
    if (/\*$|^down|^fail/.test(state)) return Date.now();
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

/** A node's scheduling Weight now (scontrol, as root). */
function nodeWeight(h: Harness, node: string): number {
  return Number(/\bWeight=(\d+)/.exec(scontrol(h, 'show', 'node', node))?.[1] ?? 1);
}

/** `nodes` by idle CPUs now (sinfo), most first. */
async function byRoom(h: Harness, nodes: string[]): Promise<string[]> {
  const out = await h.slurm(['sinfo', '--noheader', '--Node', '--format=%N|%C']);
  const idle = new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('|'))
      .map(([n = '', c = '']) => [n, Number(c.split('/')[1] ?? 0)] as const),
  );
  return [...nodes].sort((a, b) => (idle.get(b) ?? 0) - (idle.get(a) ?? 0));
}

/** A private partition for a Slurm-state scenario (never `debug`), removed by the returned function. */
function privatePartition(h: Harness, id: string, nodes: string, state = 'UP'): { name: string; remove(): void } {
  const name = `tb${id.toLowerCase().replace(/[^a-z0-9]/g, '')}${h.tag}`;
  scontrol(h, 'create', `PartitionName=${name}`, `Nodes=${nodes}`, `State=${state}`, 'OverSubscribe=FORCE:4');
  const remove = () => {
    try {
      scontrol(h, 'delete', `PartitionName=${name}`);
    } catch (err) {
      if (!/Invalid partition name/.test(String(err))) throw err; // already gone
    }
  };
  return { name, remove };
}

const F10: Scenario = {
  id: 'F10',
  name: 'nothing running or queued',
  setup: '1-node run, chain of 1, running; the failure policy does not restart it (restart after a crash off)',
  fault: 'scancel of the run’s job as its owner (slurmci), behind Trainboard’s back',
  expect: { kind: 'nothing_running', policyAction: 'held by the failure policy; the one-click resubmit runs it again' },
  budgetMs: 120_000,
  async run(h) {
    const notes: string[] = [];
    const run = await submit(h, 'f10', { cluster: NOT_C4 });
    // nothing_running is quiet while a planned restart waits (its backoff): the failure or crash incident already
    // says why. F10 is the case nobody restarts: with restarts after a crash off, the failure policy holds the run,
    // and the incident (info: not under automatic control) is what tells a person to resubmit.
    await h.setRecoveryPolicy(run.runId, { resubmitOnCrash: false });
    const first = await runningJob(h, run);
    await iterationsReached(h, run, 5);
    await h.slurm(['scancel', first.id]);
    const evidenceAt = Date.now();
    const seen = await expectIncident(h, run, 'nothing_running', 60_000);
    const held = await policyAction(h, run, ['run.hold'], 30_000);
    if (!held) notes.push('the failure policy did not hold the run');
    // The incident's one-click action: resubmit (as a person).
    if (seen) await h.act(run.runId, { kind: 'resubmit' });
    const slurmAgrees = await slurmUntil(
      h,
      run,
      (q) => q.some((j) => j.id !== first.id && j.state === 'RUNNING'),
      60_000,
    );
    const median = await h.medianIterationMs(run.runId);
    return result('F10', seen, {
      detectMs: seen ? seen.seenAtMs - evidenceAt : null,
      medianIterationMs: median,
      limitMs: slurmLimit(median),
      action: held ? `${described(held)}; run.resubmit by test-operator (the incident's one click)` : null,
      slurmAgrees,
      notes,
    });
  },
};

const F11: Scenario = {
  id: 'F11',
  name: 'pending while it could run',
  setup: '1-node run in a private 1-node partition (c4), submitted while it is DOWN so its job waits',
  fault:
    'the owner gives the waiting job an impossible dependency (afterok on a cancelled job), then the partition is UP',
  expect: { kind: 'pending_idle', policyAction: 'none: show the reason (DependencyNeverSatisfied) and the fix' },
  budgetMs: 120_000,
  async run(h) {
    const notes: string[] = [];
    const part = privatePartition(h, 'f11', 'c4', 'DOWN');
    try {
      const run = await submit(h, 'f11', { cluster: { partition: part.name } });
      const job = await h.until('the job to be queued', async () => (await h.queue(run))[0]);
      // A job that will never succeed: held at submission, then cancelled.
      const never = (
        await h.slurm(['sbatch', '--parsable', '--hold', `--partition=${part.name}`, '--wrap=true'])
      ).trim();
      await h.slurm(['scancel', never]);
      await h.slurm(['scontrol', 'update', `JobId=${job.id}`, `Dependency=afterok:${never}`]);
      scontrol(h, 'update', `PartitionName=${part.name}`, 'State=UP');
      // Observable once Slurm says so: the reason in squeue.
      await h.until(
        'DependencyNeverSatisfied',
        async () =>
          (await h.queue(run)).some((j) => j.id === job.id && j.reason === 'DependencyNeverSatisfied')
            ? true
            : undefined,
        60_000,
        100,
      );
      const evidenceAt = Date.now();
      const seen = await expectIncident(h, run, 'pending_idle', 60_000);
      await sleep(2 * INCIDENT_TICK_MS);
      const acted = await policyAction(h, run, ['run.resubmit', 'run.exclude', 'run.release'], 0);
      const q = await h.queue(run);
      const slurmAgrees = live(q).length > 0 && live(q).every((j) => j.state === 'PENDING');
      return result('F11', seen, {
        detectMs: seen ? seen.seenAtMs - evidenceAt : null,
        medianIterationMs: null,
        // Nothing iterates: the rule's iteration term uses the configured pace; plus the confirm time.
        limitMs: PENDING_IDLE_CONFIRM_MS + slurmLimit(1000 * SECONDS_PER_ITERATION)!,
        action: acted ? described(acted) : seen ? 'none (the reason shown)' : null,
        slurmAgrees,
        notes,
      });
    } finally {
      await cancelRun(h, 'f11');
      part.remove();
    }
  },
};

const F12: Scenario = {
  id: 'F12',
  name: 'too few healthy nodes',
  setup: '2-node run in a private partition of 1 node (c4)',
  fault: 'the partition cannot hold the run: usable 1 < required 2',
  expect: { kind: 'too_few_nodes', policyAction: 'none: warn (block the submission)' },
  budgetMs: 90_000,
  async run(h) {
    const notes: string[] = [];
    const part = privatePartition(h, 'f12', 'c4');
    try {
      const run = await submit(h, 'f12', { cluster: { partition: part.name, nodes: 2 } });
      // From when the run's job is in Slurm's queue (the controller's sbatch waits behind the other scenarios'):
      // a queued job its partition cannot hold is the evidence.
      await slurmUntil(h, run, (q) => q.length > 0, 60_000);
      const evidenceAt = Date.now();
      const seen = await expectIncident(h, run, 'too_few_nodes', 60_000);
      const q = await h.queue(run);
      return result('F12', seen, {
        detectMs: seen ? seen.seenAtMs - evidenceAt : null,
        medianIterationMs: null,
        // Nothing ever iterates: the rule's iteration term uses the configured pace.
        limitMs: slurmLimit(1000 * SECONDS_PER_ITERATION),
        action: seen ? 'none (warned)' : null,
        slurmAgrees: !q.some((j) => j.state === 'RUNNING'),
        notes,
      });
    } finally {
      await cancelRun(h, 'f12');
      part.remove();
    }
  },
};

const F13: Scenario = {
  id: 'F13',
  name: 'site maintenance',
  setup: '1-node run in a private partition (c1–c3: other tests’ jobs may fill one node), running',
  fault: 'the partition set DOWN and the job killed by the site (root scancel); UP again 10 s later',
  expect: { kind: 'maintenance', policyAction: 'no restart while down; resubmit once the partition is back' },
  budgetMs: 150_000,
  async run(h) {
    const notes: string[] = [];
    const part = privatePartition(h, 'f13', 'c[1-3]');
    try {
      const run = await submit(h, 'f13', { cluster: { partition: part.name } });
      // A restart waits 10 s: the maintenance, seen within a few ticks, then holds it until the partition is back.
      await h.setRecoveryPolicy(run.runId, { backoffBaseSeconds: 10 });
      const first = await runningJob(h, run);
      await iterationsReached(h, run, 3);
      scontrol(h, 'update', `PartitionName=${part.name}`, 'State=DOWN');
      execFileSync('scancel', [first.id], { env: { ...process.env, SLURM_CONF: h.c.slurmConf } });
      const evidenceAt = Date.now();
      const seen = await expectIncident(h, run, 'maintenance', 60_000);
      if (!seen) {
        const c = await h.control(run.runId);
        const kinds = (await h.incidents(run.runId)).map((i) => `${i.kind}${i.resolvedAtMs ? ' (resolved)' : ''}`);
        notes.push(
          `no maintenance: run ${c.desiredState}, jobs ${c.jobs.map((j) => j.state).join(',')}; ${kinds.join(', ')}`,
        );
      }
      await sleep(10_000 - (Date.now() - evidenceAt));
      const whileDown = (await h.queue(run)).filter((j) => j.id !== first.id && j.state === 'RUNNING');
      if (whileDown.length) notes.push('a job ran while the partition was down');
      // No automatic restart while the maintenance lasts: nothing submitted between the kill and the partition's return.
      const upAt = Date.now();
      const submittedWhileDown = (await h.audit(run.runId)).filter(
        (e) => e.action === 'job.submit' && e.atMs > evidenceAt && e.atMs < upAt,
      );
      if (submittedWhileDown.length) notes.push(`${submittedWhileDown.length} job(s) submitted while down`);
      scontrol(h, 'update', `PartitionName=${part.name}`, 'State=UP');
      const action = await policyAction(h, run, ['run.resubmit'], 60_000, (e) => e.atMs >= upAt);
      const back = await slurmUntil(h, run, (q) => q.some((j) => j.id !== first.id && j.state === 'RUNNING'), 60_000);
      const median = await h.medianIterationMs(run.runId);
      return result('F13', seen, {
        detectMs: seen ? seen.seenAtMs - evidenceAt : null,
        medianIterationMs: median,
        limitMs: slurmLimit(median),
        action: described(action),
        slurmAgrees: back && whileDown.length === 0 && submittedWhileDown.length === 0,
        notes,
      });
    } finally {
      await cancelRun(h, 'f13');
      part.remove();
    }
  },
};

/** Ends a scenario's run as an operator and waits for its jobs to leave (a partition must be empty to be deleted). */
async function cancelRun(h: Harness, base: string): Promise<void> {
  const run = h.runs.find((r) => r.name === `${base}-${h.tag}`);
  if (!run) return;
  await h.finish(run.name).catch(() => undefined);
  await h.until('the run to leave the queue', async () => (live(await h.queue(run)).length ? undefined : true), 30_000);
}

const F14: Scenario = {
  id: 'F14',
  name: 'eval in progress must not alarm',
  setup: '1-node run, chain of 1, an eval of 12 validation groups every 5 iterations',
  fault: 'none: 5 eval rounds',
  expect: { kind: null, policyAction: 'none' },
  budgetMs: 90_000,
  async run(h) {
    const run = await submit(h, 'f14', { cluster: NOT_C4, config: { eval: { interval: 5, iters: 1, groups: 12 } } });
    const first = await runningJob(h, run);
    await iterationsReached(h, run, 26);
    await sleep(2 * INCIDENT_TICK_MS);
    const unexpected = await alarms(h, run);
    const acted = await policyAction(h, run, ['run.resubmit', 'run.exclude', 'run.cancel_run', 'run.hold'], 0);
    const median = await h.medianIterationMs(run.runId);
    return {
      id: 'F14',
      kind: null,
      detectMs: null,
      medianIterationMs: median,
      limitMs: null,
      action: acted ? described(acted) : 'none',
      slurmAgrees: (await h.queue(run)).some((j) => j.id === first.id && j.state === 'RUNNING'),
      unexpected,
      notes: [],
    };
  },
};

/** F15/F16: a planned restart (the first job exits at iteration 12 after a save); F16 also changes the world size. */
function restartScenario(id: string, kind: 'restart' | 'topology_change', laterArgs: string[]): Scenario {
  return {
    id,
    name: kind === 'restart' ? 'restart semantics' : 'topology change',
    setup: '1-node run, chain of 2; the first job exits at iteration 12 (--exit-interval 12, after a save)',
    fault: laterArgs.length ? `the next job runs with ${laterArgs.join(' ')}` : 'none',
    expect: { kind, policyAction: 'none: the chain’s next job resumes; a new segment' },
    budgetMs: 120_000,
    async run(h) {
      const notes: string[] = [];
      const run = await submit(h, id.toLowerCase(), {
        cluster: NOT_C4,
        chainLength: 2,
        faults: { firstArgs: ['--exit-interval', '12'], laterArgs },
      });
      const seen = await expectIncident(h, run, kind, 90_000);
      const detectMs = await fromLog(h, run, seen, notes);
      const slurmAgrees = await slurmUntil(
        h,
        run,
        (q) => q[0]?.state === 'COMPLETED' && q.slice(1).some((j) => j.state === 'RUNNING'),
        30_000,
      );
      // The restart incident opens at the new job's start line; the second segment begins at its banner.
      const restarts = await h
        .until(
          'a restart annotation',
          async () => {
            const r = await h.api().get(`/api/runs/${run.runId}/annotations`);
            const found = ((r.body.annotations ?? []) as { kind: string }[]).filter((a) => a.kind === 'restart');
            return found.length ? found : undefined;
          },
          30_000,
        )
        .catch(() => []);
      if (restarts.length === 0) notes.push('no restart annotation (no second segment)');
      const median = await h.medianIterationMs(run.runId);
      return result(id, seen, {
        detectMs,
        medianIterationMs: median,
        limitMs: crashLimit(median),
        action: slurmAgrees && restarts.length ? 'none: the next job resumed, a new segment' : null,
        slurmAgrees,
        unexpected: await alarms(h, run),
        notes,
      });
    },
  };
}

const F17: Scenario = {
  id: 'F17',
  name: 'filesystem pressure',
  setup: '1-node run whose folder (checkpoints included) is an empty 8 MiB tmpfs, mounted by root before submit',
  fault: 'once the run trains, a file fills its filesystem to 85 % (past the 75 % line)',
  expect: { kind: 'filesystem_pressure', policyAction: 'none: warn (disk panel, retention)' },
  budgetMs: 120_000,
  async run(h) {
    const notes: string[] = [];
    let mounted = '';
    try {
      const run = await submit(h, 'f17', {
        cluster: NOT_C4,
        // The whole run folder: before its first save the server reads the run folder's filesystem (the checkpoint
        // folder may not exist yet), then the checkpoint folder's.
        prepare(runDir) {
          mounted = runDir;
          const id = execFileSync('id', ['-u', 'slurmci'], { encoding: 'utf8' }).trim();
          execFileSync('mount', ['-t', 'tmpfs', '-o', `size=8M,uid=${id},gid=${id},mode=0755`, 'tmpfs', mounted]);
        },
      });
      await runningJob(h, run);
      await iterationsReached(h, run, 5);
      if ((await h.incidents(run.runId)).some((i) => i.kind === 'filesystem_pressure'))
        notes.push('filesystem_pressure opened before the filesystem filled');
      // The pressure grows while the run trains, as it does when saves pile up: the server sees it at its next read
      // of the run's filesystem (every DISK_EVERY_MS) and the tick after it.
      writeFileSync(`${mounted}/.filler`, Buffer.alloc(Math.round(0.85 * 8 * 1024 * 1024)));
      const evidenceAt = Date.now();
      const seen = await expectIncident(h, run, 'filesystem_pressure', 60_000);
      const median = await h.medianIterationMs(run.runId);
      return result('F17', seen, {
        detectMs: seen ? seen.seenAtMs - evidenceAt : null,
        medianIterationMs: median,
        limitMs: median === null ? null : DISK_EVERY_MS + slurmLimit(median)!,
        action: seen ? `none (warned: ${seen.incident.severity})` : null,
        slurmAgrees: (await h.queue(run)).some((j) => j.state === 'RUNNING'),
        notes,
      });
    } finally {
      await cancelRun(h, 'f17');
      if (mounted) execFileSync('umount', ['-l', mounted]);
    }
  },
};

async function readLocal(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8').catch(() => '');
}

const F18: Scenario = {
  id: 'F18',
  name: 'kill switch / save-and-exit',
  setup: '1-node run, chain of 2',
  fault: 'the operator’s save-and-exit (touch the kill switch) after the first checkpoint',
  expect: {
    kind: 'kill_switch',
    policyAction: 'the operator’s save_exit: the job saves and completes; the chain is held',
  },
  budgetMs: 120_000,
  async run(h) {
    const notes: string[] = [];
    const run = await submit(h, 'f18', { cluster: NOT_C4, chainLength: 2 });
    await runningJob(h, run);
    await h.until('a checkpoint in the log', async () =>
      (await readLocal(run.logPath)).includes('successfully saved checkpoint') ? true : undefined,
    );
    await h.act(run.runId, { kind: 'save_exit' });
    const seen = await expectIncident(h, run, 'kill_switch', 60_000);
    const detectMs = await fromLog(h, run, seen, notes);
    const slurmAgrees = await slurmUntil(
      h,
      run,
      (q) => q[0]?.state === 'COMPLETED' && !q.some((j) => j.state === 'RUNNING'),
      60_000,
    );
    const audited = (await h.audit(run.runId)).find((e) => e.action === 'run.save_exit' && e.result === 'ok');
    const held = (await h.control(run.runId)).desiredState === 'held';
    const median = await h.medianIterationMs(run.runId);
    return result('F18', seen, {
      detectMs,
      medianIterationMs: median,
      limitMs: crashLimit(median),
      action: audited && held ? `run.save_exit by ${audited.actorName}; the chain is held` : null,
      slurmAgrees,
      unexpected: await alarms(h, run),
      notes,
    });
  },
};

export const SCENARIOS: Scenario[] = [
  crashScenario('F1', 'crash', 'cuda_error'),
  crashScenario('F1-ecc', 'ecc', 'ecc_error'),
  F2,
  hangScenario('F3', 'hang', 12, 'step'),
  hangScenario('F3-eval', 'hang-eval', 20, 'eval'),
  F4,
  metricScenario('F5', 'loss_spike', ['--fault', 'spike', '--fault-at-iteration', '30'], 'none: annotate', 'none'),
  metricScenario('F6', 'divergence', ['--fault', 'nan', '--fault-at-iteration', '20'], 'suggest stopping', 'stop'),
  F7,
  F8,
  F8_HARD,
  F9,
  F10,
  F11,
  F12,
  F13,
  F14,
  restartScenario('F15', 'restart', []),
  restartScenario('F16', 'topology_change', ['--gpus-per-node', '2']),
  F17,
  F18,
];

export function scenario(id: string): Scenario {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
}

/** Runs one scenario on a started harness; never throws for a product failure (the result says it), only for I/O. */
export async function runScenario(id: string, h: Harness): Promise<ScenarioResult> {
  try {
    return await scenario(id).run(h);
  } finally {
    // Free the nodes for the scenarios still running (the runs share c1–c3).
    await h.finish(`${id.toLowerCase()}-${h.tag}`).catch(() => undefined);
  }
}
