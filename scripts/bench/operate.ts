// Operating a run through faults, on the real loopback Slurm with a real server process (`npm run bench -- operate`):
// (1) time to detect: every scenario of tests/scenarios (F1–F18, run as the scenario tests run them, each against
//     its limit), and every fault injected below (incident opened − fault injected);
// (2) crash → replacement RUNNING: a run whose first job crashes (CUDA error) at iteration CRASH_AT; from the crash
//     line's arrival in the log file to the replacement job's RUNNING in squeue (both polled every 100 ms);
// (3) ETTR of a scripted demo run (`--minutes N`, default 30) with faults over its length — crash, node failure
//     (the node's slurmd and processes killed, restarted once Slurm ended the job), hang, a long eval round (not a
//     fault), straggler — for two runs side by side: policy on (nodes c1–c2) and policy off (c3–c4), 1-node jobs.
//     With the policy off, a scripted person resubmits HUMAN_DELAY after being alerted (`--human-delay-min`, 0: no
//     person). ETTR from the stored iterations (shared/src/detect/ettr.ts).
// Options: --minutes N, --repeats N (part 2), --human-delay-min M, --incident-tick-ms MS (server env; default: the
// product's 15 s), --skip-scenarios, --skip-crash, --skip-demo. Needs `scripts/dev-cluster up`. Reports, never asserts.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { computeEttr, type EttrIteration, type EttrResult } from '@trainboard/shared/detect/ettr';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { devCluster, sleep } from '../../tests/integration/cluster.js';
import { Harness as ScenarioHarness } from '../../tests/scenarios/harness.js';
import { startScenarios } from '../../tests/scenarios/runAll.js';
import { SCENARIOS, type ScenarioResult } from '../../tests/scenarios/scenarios.js';
import {
  LIVE_STATES,
  act,
  configureRun,
  jobsOfRun,
  median,
  nodeFault,
  queue,
  seconds,
  startHarness,
  submitRun,
  type Harness,
} from './operateHarness.js';

const CRASH_AT = 20;
const CRASH_SECONDS_PER_ITERATION = 0.3;
const DEMO_SECONDS_PER_ITERATION = 0.5;
const LONG_EVAL_SECONDS_PER_GROUP = 25;

interface Options {
  minutes: number;
  repeats: number;
  humanDelayMin: number;
  incidentTickMs: number;
  skipCrash: boolean;
  skipDemo: boolean;
  skipScenarios: boolean;
}

function options(argv: string[]): Options {
  const num = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? Number(argv[i + 1]) : NaN;
    return Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  return {
    minutes: num('--minutes', 30),
    repeats: Math.max(1, Math.round(num('--repeats', 3))),
    humanDelayMin: num('--human-delay-min', 5),
    incidentTickMs: num('--incident-tick-ms', 15_000),
    skipCrash: argv.includes('--skip-crash'),
    skipDemo: argv.includes('--skip-demo'),
    skipScenarios: argv.includes('--skip-scenarios'),
  };
}

/** A fault injected into one run, and what the bench saw of it. */
export interface Injection {
  arm: string;
  runId: number;
  fault: FaultKind;
  at: number;
  jobId: string | null;
  node: string | null;
  note: string;
}

type FaultKind = 'crash' | 'node_failure' | 'hang' | 'eval' | 'straggler';

export async function run(): Promise<void> {
  let c;
  try {
    c = devCluster();
  } catch (err) {
    console.log(`skipped: ${(err as Error).message}`);
    return;
  }
  const o = options(process.argv.slice(2));
  // The catalogue first, on its own server and partition (the scenario tests' harness), while the nodes are free.
  const scenarios = o.skipScenarios ? null : await scenarioCatalogue();
  const h = await startHarness(c, { TRAINBOARD_INCIDENT_TICK_MS: String(o.incidentTickMs) });
  console.log(
    `server: control tick 3 s (default), incident tick ${o.incidentTickMs / 1000} s (TRAINBOARD_INCIDENT_TICK_MS); ` +
      `straggler injected as \`${h.stragglerWord}\``,
  );
  const crashes: CrashResult[] = [];
  let demo: DemoResult | null = null;
  try {
    if (!o.skipCrash) for (let k = 1; k <= o.repeats; k++) crashes.push(await crashToRunning(h, k));
    if (!o.skipDemo) demo = await demoRun(h, o);
    printDetection(scenarios, crashes, demo);
    printCrashes(crashes);
    if (demo) printDemo(demo, o);
  } finally {
    await cleanup(h);
  }
}

// ------------------------------------------------------------------ part 2: crash → replacement RUNNING

interface CrashResult {
  runId: number;
  crashLineAt: number | null;
  replacementRunningAt: number | null;
  firstJob: string | null;
  replacement: string | null;
  incident: StoredIncident | null;
}

async function crashToRunning(h: Harness, k: number): Promise<CrashResult> {
  const name = `op-crash-${k}-${Date.now().toString(36)}`;
  writeFileSync(join(h.dir, `crash-once-${name}`), `${CRASH_AT}\n`, { mode: 0o666 });
  const { runId } = await submitRun(h, name, null, CRASH_SECONDS_PER_ITERATION);
  await configureRun(h, runId, { policy: true, exclude: null });
  const logPath = await runLogPath(h, runId);
  const result: CrashResult = {
    runId,
    crashLineAt: null,
    replacementRunningAt: null,
    firstJob: null,
    replacement: null,
    incident: null,
  };
  const end = Date.now() + 240_000;
  while (Date.now() < end && result.replacementRunningAt === null) {
    if (result.crashLineAt === null && logHas(logPath, 'c10::CUDAError')) result.crashLineAt = Date.now();
    const jobs = jobsOfRun(await queue(h.shell), name);
    result.firstJob ??= jobs[0]?.id ?? null;
    const next = jobs.find((j) => j.id !== result.firstJob && j.state === 'RUNNING');
    if (result.crashLineAt !== null) await runIncidents(h, runId);
    if (result.crashLineAt !== null && next) {
      result.replacementRunningAt = Date.now();
      result.replacement = next.id;
    }
    await sleep(100);
  }
  result.incident = await firstIncident(h, runId, result.crashLineAt ?? 0, ['crash'], 30_000);
  await stopRun(h, runId, name);
  console.log(
    `  crash ${k}: crash line → replacement RUNNING ${seconds(gap(result.crashLineAt, result.replacementRunningAt))}` +
      ` (job ${result.firstJob} → ${result.replacement ?? 'none'})`,
  );
  return result;
}

function printCrashes(crashes: CrashResult[]): void {
  if (crashes.length === 0) return;
  console.log(
    `\n(2) crash → replacement job RUNNING (CUDA error at iteration ${CRASH_AT}, chain of 1, the failure policy resubmits; log file and squeue polled every 100 ms):`,
  );
  const gaps: number[] = [];
  for (const [i, r] of crashes.entries()) {
    const g = gap(r.crashLineAt, r.replacementRunningAt);
    if (g !== null) gaps.push(g);
    console.log(`  run ${i + 1}: ${seconds(g)}  (job ${r.firstJob} → ${r.replacement ?? 'no replacement seen'})`);
  }
  console.log(`  median: ${seconds(median(gaps))} over ${gaps.length} of ${crashes.length}`);
}

// ------------------------------------------------------------------ part 3: the scripted demo run

interface Arm {
  label: string;
  name: string;
  runId: number;
  submittedAt: number;
  policy: boolean;
  policyNote: string;
  /** Actions the scripted person took (off arm). */
  personActions: { at: number; why: string }[];
  /** Wall time (ms) the run had a job RUNNING, only PENDING ones, or none at all, sampled every second. */
  time: { running: number; pending: number; none: number };
  /** GET /api/runs/:id/ettr just after the end (its window: the run's creation to that moment). */
  serverEttr?: number;
}

interface DemoResult {
  arms: Arm[];
  startedAt: number;
  endedAt: number;
  schedule: { at: number; fault: FaultKind }[];
  injections: Injection[];
  ettr: Map<string, EttrResult>;
  incidents: Map<string, StoredIncident[]>;
  jobs: Map<string, { id: string; node: string; state: string }[]>;
  audit: Map<string, { at: number; actor: string; action: string; result: string }[]>;
}

/** When each fault strikes, as a share of the demo's length. */
const SCHEDULE: { share: number; fault: FaultKind }[] = [
  { share: 0.1, fault: 'crash' },
  { share: 0.3, fault: 'node_failure' },
  { share: 0.5, fault: 'hang' },
  { share: 0.65, fault: 'eval' },
  { share: 0.8, fault: 'straggler' },
];

async function demoRun(h: Harness, o: Options): Promise<DemoResult> {
  const stamp = Date.now().toString(36);
  const arms: Arm[] = [];
  for (const [label, policy, exclude] of [
    ['policy on', true, 'c3,c4'],
    ['policy off', false, 'c1,c2'],
  ] as const) {
    const name = `op-${policy ? 'on' : 'off'}-${stamp}`;
    const { runId, submittedAt } = await submitRun(h, name, exclude, DEMO_SECONDS_PER_ITERATION);
    const policyNote = await configureRun(h, runId, { policy, exclude });
    arms.push({
      label,
      name,
      runId,
      submittedAt,
      policy,
      policyNote,
      personActions: [],
      time: { running: 0, pending: 0, none: 0 },
    });
  }
  const startedAt = Math.min(...arms.map((a) => a.submittedAt));
  const lengthMs = o.minutes * 60_000;
  const schedule = SCHEDULE.map((s) => ({ at: startedAt + s.share * lengthMs, fault: s.fault }));
  console.log(`  demo: ${arms.map((a) => `${a.label} = run ${a.runId} (${a.policyNote})`).join('; ')}`);
  const injections: Injection[] = [];
  const background: Promise<unknown>[] = [];
  const person = createPerson(h, arms[1]!, o.humanDelayMin * 60_000);
  let next = 0;
  let sampledAt = Date.now();
  while (Date.now() < startedAt + lengthMs) {
    const q = await queue(h.shell).catch(() => null);
    for (const arm of q ? arms : []) {
      const jobs = jobsOfRun(q!, arm.name);
      const state = jobs.some((j) => j.state === 'RUNNING')
        ? 'running'
        : jobs.some((j) => LIVE_STATES.includes(j.state))
          ? 'pending'
          : 'none';
      arm.time[state] += Date.now() - sampledAt;
    }
    sampledAt = Date.now();
    while (next < schedule.length && Date.now() >= schedule[next]!.at) {
      const fault = schedule[next++]!.fault;
      for (const arm of arms) background.push(inject(h, arm, fault, injections));
    }
    for (const arm of arms) await runIncidents(h, arm.runId).catch(() => undefined);
    await person.tick().catch((err: unknown) => console.log(`  person: ${(err as Error).message}`));
    await sleep(1_000);
  }
  const endedAt = Date.now();
  await Promise.all(background);
  return collect(h, arms, startedAt, endedAt, schedule, injections);
}

async function collect(
  h: Harness,
  arms: Arm[],
  startedAt: number,
  endedAt: number,
  schedule: DemoResult['schedule'],
  injections: Injection[],
): Promise<DemoResult> {
  const ettr = new Map<string, EttrResult>();
  const incidents = new Map<string, StoredIncident[]>();
  const jobs = new Map<string, { id: string; node: string; state: string }[]>();
  const audit = new Map<string, { at: number; actor: string; action: string; result: string }[]>();
  for (const arm of arms) {
    audit.set(arm.label, await recoveryAudit(h, arm.runId));
    ettr.set(
      arm.label,
      computeEttr(await storedIterations(h, arm.runId), { startMs: arm.submittedAt, endMs: endedAt }),
    );
    const server = (await h.api.get(`/api/runs/${arm.runId}/ettr`)).body;
    if (typeof server.ettr === 'number') arm.serverEttr = server.ettr;
    incidents.set(arm.label, await runIncidents(h, arm.runId));
    const control = await h.api.get(`/api/runs/${arm.runId}/control`);
    const list = (control.body.jobs ?? []) as {
      schedulerJobId: string | null;
      nodeList: string | null;
      state: string;
    }[];
    jobs.set(
      arm.label,
      list.map((j) => ({ id: j.schedulerJobId ?? '?', node: j.nodeList ?? '', state: j.state })),
    );
  }
  for (const arm of arms) await stopRun(h, arm.runId, arm.name);
  return { arms, startedAt, endedAt, schedule, injections, ettr, incidents, jobs, audit };
}

/** Injects one fault into the arm's running job; a run with nothing running has nothing to fault. */
async function inject(h: Harness, arm: Arm, fault: FaultKind, out: Injection[]): Promise<void> {
  const running = jobsOfRun(await queue(h.shell), arm.name).find((j) => j.state === 'RUNNING');
  const rec: Injection = {
    arm: arm.label,
    runId: arm.runId,
    fault,
    at: Date.now(),
    jobId: running?.id ?? null,
    node: running?.node ?? null,
    note: '',
  };
  out.push(rec);
  if (!running) {
    rec.note = 'skipped: no job of the run was running';
    return;
  }
  const control = join(h.dir, `control-${running.id}`);
  const word = (w: string) => writeFileSync(control, `${w}\n`, { mode: 0o644 });
  if (fault === 'crash') word('crash');
  else if (fault === 'hang') word('hang');
  else if (fault === 'straggler') word(h.stragglerWord);
  else if (fault === 'eval') {
    writeFileSync(join(h.dir, `eval-${running.id}`), `${LONG_EVAL_SECONDS_PER_GROUP}\n`, { mode: 0o644 });
    rec.note = `the next eval round takes 2 × ${LONG_EVAL_SECONDS_PER_GROUP} s`;
    // One long round: back to normal before the next one (rounds are 100 iterations = 50 s apart).
    setTimeout(() => rmSync(join(h.dir, `eval-${running.id}`), { force: true }), 75_000).unref();
  } else rec.note = await nodeFailure(h, running.id, running.node, (t) => (rec.at = t));
}

/**
 * A real node failure: the node's slurmd and every process in its cgroup killed (`dev-cluster fault crash`), then
 * restarted once Slurm has ended the job (NODE_FAIL), at most 60 s later: the other helpers' jobs share the nodes.
 */
async function nodeFailure(h: Harness, jobId: string, node: string, at: (t: number) => void): Promise<string> {
  // Other helpers' jobs share the nodes: wait (up to 3 min) for a moment when the job is alone on its node.
  const waitStart = Date.now();
  let others: string[] = [];
  for (;;) {
    const q = await queue(h.shell);
    if (q.find((j) => j.id === jobId)?.state !== 'RUNNING') return `skipped: job ${jobId} no longer running`;
    others = q.filter((j) => j.node === node && j.state === 'RUNNING' && j.id !== jobId).map((j) => j.id);
    if (others.length === 0 || Date.now() - waitStart > 180_000) break;
    await sleep(2_000);
  }
  at(Date.now());
  await nodeFault('crash', node);
  const start = Date.now();
  let state = 'RUNNING';
  while (Date.now() - start < 60_000) {
    state = (await queue(h.shell)).find((j) => j.id === jobId)?.state ?? 'gone';
    if (state !== 'RUNNING' && state !== 'COMPLETING') break;
    await sleep(1_000);
  }
  await nodeFault('restart', node);
  return (
    `${node} crashed${Date.now() - waitStart > 5_000 ? ` (after waiting ${seconds(start - waitStart)} for it to be free)` : ''}, ` +
    `restarted after ${seconds(Date.now() - start)} (job ${jobId} then ${state})` +
    (others.length ? `; other jobs killed there: ${others.join(', ')}` : '')
  );
}

/**
 * The person who runs the off arm: alerted when a job-ending incident opens (or, with no incident, when the run is
 * seen with nothing queued or running), they resubmit `delayMs` later. Hang: the resubmit cancels the hung job.
 */
function createPerson(h: Harness, arm: Arm, delayMs: number) {
  const STUCK = new Set(['hang', 'failure_silence']);
  let alertedAt: number | null = null;
  let why = '';
  let lastActionAt = arm.submittedAt;
  return {
    async tick(): Promise<void> {
      if (delayMs <= 0) return;
      const open = (await runIncidents(h, arm.runId)).filter(
        (i) => i.kind !== 'restart' && i.resolvedAtMs === null && i.openedAtMs > lastActionAt,
      );
      const live = jobsOfRun(await queue(h.shell), arm.name).some((j) => LIVE_STATES.includes(j.state));
      // A person acts on a run that is down (nothing queued or running, a minute after the last start) or stuck.
      const down = !live && Date.now() - lastActionAt > 60_000;
      const stuck = open.find((i) => STUCK.has(i.kind));
      if (!down && !stuck) return void (alertedAt = null);
      if (alertedAt === null) {
        const alert = stuck ?? open[0];
        [alertedAt, why] = alert ? [alert.openedAtMs, `alerted by ${alert.kind}`] : [Date.now(), 'saw it down'];
      }
      if (Date.now() < alertedAt + delayMs) return;
      const done = await act(h, arm.runId, { kind: 'resubmit' });
      arm.personActions.push({ at: Date.now(), why: `${why}; resubmit ${done ? 'requested' : 'refused'}` });
      lastActionAt = Date.now();
      alertedAt = null;
    },
  };
}

function printDemo(d: DemoResult, o: Options): void {
  const rel = (t: number) => `${((t - d.startedAt) / 60_000).toFixed(1)} min`;
  console.log(`\n(3) ETTR of a ${o.minutes}-minute run with scripted faults, policy on vs off (side by side):`);
  console.log(`  fault schedule: ${d.schedule.map((s) => `${s.fault} at ${rel(s.at)}`).join(', ')}`);
  console.log(
    o.humanDelayMin > 0
      ? `  assumption: with the policy off, a person resubmits ${o.humanDelayMin} min after the alert (BLOOM's took up to 7 h)`
      : '  assumption: with the policy off, nobody resubmits',
  );
  for (const arm of d.arms) {
    const e = d.ettr.get(arm.label)!;
    const jobs = d.jobs.get(arm.label) ?? [];
    console.log(`  ${arm.label} (run ${arm.runId}; ${arm.policyNote}):`);
    for (const i of d.injections.filter((x) => x.arm === arm.label))
      console.log(
        `    ${rel(i.at)} ${i.fault} → job ${i.jobId ?? '—'} on ${i.node ?? '—'}${i.note ? `: ${i.note}` : ''}`,
      );
    for (const i of (d.incidents.get(arm.label) ?? []).slice().reverse())
      console.log(`    incident ${rel(i.openedAtMs)} ${i.kind}${i.resolvedAtMs ? ' (resolved)' : ''}: ${i.title}`);
    for (const p of arm.personActions) console.log(`    person ${rel(p.at)}: ${p.why}`);
    console.log(
      `    jobs: ${jobs.map((j) => `${j.id}@${j.node || '?'} ${j.state}`).join(', ')} → restarts: ${Math.max(0, jobs.length - 1)}`,
    );
    for (const a of d.audit.get(arm.label) ?? [])
      console.log(`    audit ${rel(a.at)} ${a.actor}: ${a.action} ${a.result}`);
    const min = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
    console.log(
      `    squeue every second: a job RUNNING ${min(arm.time.running)}, only PENDING ${min(arm.time.pending)}, ` +
        `nothing queued ${min(arm.time.none)}`,
    );
    console.log(
      `    ETTR ${(100 * e.ettr).toFixed(1)} %: ${(e.productiveMs / 60_000).toFixed(1)} min of kept iterations over ` +
        `${(e.totalMs / 60_000).toFixed(1)} min (${e.keptIterations} kept, ${e.lostIterations} lost = ${(e.lostMs / 1000).toFixed(0)} s redone)`,
    );
    if (arm.serverEttr !== undefined)
      console.log(`    the server's GET /api/runs/:id/ettr: ${(100 * arm.serverEttr).toFixed(1)} %`);
  }
  const on = d.ettr.get('policy on')!.ettr;
  const off = d.ettr.get('policy off')!.ettr;
  console.log(`  ETTR on/off: ${(100 * on).toFixed(1)} % / ${(100 * off).toFixed(1)} % = ×${(on / off).toFixed(2)}`);
}

// ------------------------------------------------------------------ part 1: time to detect

function printDetection(scenarios: ScenarioResult[] | null, crashes: CrashResult[], demo: DemoResult | null): void {
  console.log('\n(1) time to detect:');
  for (const r of scenarios ?? [])
    console.log(
      `  ${r.id} ${r.kind ?? 'no incident'}: ${r.detectMs === null ? '—' : seconds(r.detectMs)} ` +
        `(limit ${r.limitMs === null ? '—' : seconds(r.limitMs)}, median iteration ${seconds(r.medianIterationMs)})` +
        `${r.action ? `; ${r.action}` : ''}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`,
    );
  for (const [i, r] of crashes.entries())
    console.log(
      `  crash (part 2, run ${i + 1}): crash line → ${r.incident && r.crashLineAt !== null ? detectText(r.incident, r.crashLineAt) : 'no incident'}`,
    );
  if (!demo) return;
  for (const inj of demo.injections) {
    if (inj.note.startsWith('skipped')) continue;
    // A fault's incident is the first of its expected kinds within 5 minutes after it and before the next fault; any
    // incident during a long eval round (the round and two minutes after) is a false alarm.
    const kinds = EXPECTED[inj.fault];
    const nextFault = demo.schedule.find((f) => f.at > inj.at + 1_000)?.at ?? Infinity;
    const until = inj.fault === 'eval' ? inj.at + 3 * 60_000 : Math.min(nextFault, inj.at + 5 * 60_000);
    const found = (demo.incidents.get(inj.arm) ?? [])
      .filter((i) => (kinds ? kinds.includes(i.kind) : i.kind !== 'restart'))
      .filter((i) => i.openedAtMs >= inj.at && i.openedAtMs < until)
      .sort((a, b) => a.openedAtMs - b.openedAtMs)[0];
    const what =
      inj.fault === 'eval'
        ? ' (not a fault: none expected)'
        : inj.fault === 'node_failure' && !found
          ? ` (${inj.note})`
          : '';
    console.log(`  ${inj.fault} (${inj.arm}): injected → ${found ? detectText(found, inj.at) : 'no incident'}${what}`);
  }
}

/** The incident kinds that detect each injected fault (null: the eval round, where any incident is a false alarm). */
const EXPECTED: Record<FaultKind, string[] | null> = {
  crash: ['crash'],
  node_failure: ['node_failure', 'crash', 'hang', 'failure_silence'],
  hang: ['hang', 'failure_silence'],
  straggler: ['throughput_regression'],
  eval: null,
};

/** Every scenario of tests/scenarios (F1–F18) at once on its own harness, as the scenario tests run them. */
async function scenarioCatalogue(): Promise<ScenarioResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'trainboard-bench-scenarios-'));
  const sh = new ScenarioHarness(dir);
  try {
    await sh.start();
    const started = await startScenarios(sh, SCENARIOS);
    const settled = await Promise.allSettled(started.values());
    return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  } finally {
    await sh.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ shared reads

const gap = (from: number | null, to: number | null) => (from !== null && to !== null ? to - from : null);

function logHas(path: string | null, text: string): boolean {
  if (!path || !existsSync(path) || statSync(path).size === 0) return false;
  return readFileSync(path, 'latin1').includes(text);
}

async function runLogPath(h: Harness, runId: number): Promise<string | null> {
  const r = await h.api.get(`/api/runs/${runId}/control`);
  return ((r.body.paths as { logPath?: string | null } | undefined)?.logPath ?? null) || null;
}

/** When the bench first saw each incident in the API (what a person polling the page sees), by incident id. */
const firstSeen = new Map<number, number>();

async function runIncidents(h: Harness, runId: number): Promise<StoredIncident[]> {
  const r = await h.api.get(`/api/runs/${runId}/incidents`);
  const list = (r.body.incidents ?? []) as StoredIncident[];
  const now = Date.now();
  for (const i of list) if (!firstSeen.has(i.id)) firstSeen.set(i.id, now);
  return list;
}

/** `opened X s, shown Y s` after `from`: the incident's own open time, and when the API first listed it. */
function detectText(i: StoredIncident, from: number): string {
  return `${i.kind} incident opened ${seconds(i.openedAtMs - from)}, listed ${seconds((firstSeen.get(i.id) ?? NaN) - from)}`;
}

async function firstIncident(
  h: Harness,
  runId: number,
  after: number,
  kinds: string[],
  waitMs: number,
): Promise<StoredIncident | null> {
  const end = Date.now() + waitMs;
  for (;;) {
    const hit = (await runIncidents(h, runId))
      .filter((i) => kinds.includes(i.kind) && i.openedAtMs >= after - 1_000)
      .sort((a, b) => a.openedAtMs - b.openedAtMs)[0];
    if (hit || Date.now() > end) return hit ?? null;
    await sleep(500);
  }
}

async function storedIterations(h: Harness, runId: number): Promise<EttrIteration[]> {
  const body = (await h.api.get(`/api/runs/${runId}/export.json`)).body as unknown as {
    iterations: { iteration: number; segment: number; timeMs: number | null; values: Record<string, unknown> }[];
  };
  return body.iterations.map((r) => ({
    iteration: r.iteration,
    segment: r.segment,
    timeMs: r.timeMs,
    elapsedMs: typeof r.values.iterationTimeMs === 'number' ? r.values.iterationTimeMs : null,
  }));
}

/** Who recovered the run: the audit's resubmissions, exclusions, holds and policy refusals, oldest first. */
async function recoveryAudit(h: Harness, runId: number) {
  const r = await h.api.get(`/api/audit?run=${runId}&limit=200`);
  const entries = (r.body.entries ?? []) as { atMs: number; actorName: string; action: string; result: string }[];
  return entries
    .filter((e) => /resubmit|exclude|hold|recovery|stack_dump/.test(e.action))
    .map((e) => ({ at: e.atMs, actor: e.actorName, action: e.action, result: e.result }))
    .reverse();
}

async function stopRun(h: Harness, runId: number, name: string): Promise<void> {
  await act(h, runId, { kind: 'cancel_run' });
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (!jobsOfRun(await queue(h.shell), name).some((j) => LIVE_STATES.includes(j.state))) return;
    await sleep(500);
  }
}

async function cleanup(h: Harness): Promise<void> {
  const mine = (await queue(h.shell).catch(() => []))
    .filter((j) => h.names.some((n) => j.name.startsWith(`${n}.tb.`)) && LIVE_STATES.includes(j.state))
    .map((j) => j.id);
  if (mine.length) await h.shell.exec(['scancel', ...mine]).catch(() => undefined);
  await h.close();
  if (process.env.BENCH_OPERATE_KEEP) return;
  rmSync(h.dir, { recursive: true, force: true });
  rmSync(dirname(h.dbPath), { recursive: true, force: true });
}
