// F1–F18 end to end on the loopback Slurm (issue 15, "Tests that must exist → Scenarios"): one server for the file,
// every scenario's run submitted at once (1-node, 2-GPU, 1-CPU runs share the nodes), then each scenario's three
// claims asserted: the incident's kind, its detection within the limit (scenarios.ts says the rule), and the
// recovery action with squeue agreeing. SCENARIOS=F1,F9 runs a subset.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';
import { startScenarios } from './runAll.js';
import { SCENARIOS, type ScenarioResult } from './scenarios.js';

const only = process.env.SCENARIOS?.split(',').filter(Boolean);
const chosen = SCENARIOS.filter((s) => !only || only.includes(s.id));
const OUT = new URL('../test-output', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'trainboard-scenarios-'));
const h = new Harness(dir);
let results = new Map<string, Promise<ScenarioResult>>();
const budget = Math.max(...chosen.map((s) => s.budgetMs));

beforeAll(async () => {
  await h.start();
  results = await startScenarios(h, chosen);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(results.values());
  const table = await Promise.all(
    [...results.entries()].map(async ([id, p]) => {
      const r = await p.catch((err: unknown) => ({ error: String(err) }));
      return { id, ...r };
    }),
  );
  // The measured table, for the report and the bench (test-output/ is the suite's output folder).
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}/scenarios.json`, JSON.stringify(table, null, 1));
  for (const r of table) console.log(JSON.stringify(r));
  if (process.env.SCENARIOS_DEBUG) for (const l of h.serverProblems()) console.log(JSON.stringify(l).slice(0, 600));
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('failure scenarios on the loopback Slurm', () => {
  for (const s of chosen) {
    it(
      `${s.id} ${s.name}: ${s.expect.kind ?? 'no incident'}, detected in time, ${s.expect.policyAction}`,
      async () => {
        const r = await results.get(s.id)!;
        expect(r.notes).toEqual([]);
        expect(r.kind).toBe(s.expect.kind);
        if (s.expect.failureKind) expect(r.failureKind).toBe(s.expect.failureKind);
        if (s.expect.kind !== null) {
          expect(r.detectMs).not.toBeNull();
          expect(r.limitMs).not.toBeNull();
          expect(r.detectMs!).toBeLessThanOrEqual(r.limitMs!);
        }
        expect(r.action).not.toBeNull();
        expect(r.slurmAgrees).toBe(true);
        expect(r.unexpected).toEqual([]);
      },
      budget + 60_000,
    );
  }
});
