// Starts the chosen scenarios on one harness the way they share the loopback cluster: the ones that need room
// first (F9's 2-node job, while two nodes are free), then all the rest at once. Each scenario waits on its own run,
// so a whole set takes about as long as its slowest scenario. Used by the scenario tests and `bench -- operate`.
import type { Harness } from './harness.js';
import { runScenario, type Scenario, type ScenarioResult } from './scenarios.js';

export async function startScenarios(
  h: Harness,
  chosen: readonly Scenario[],
): Promise<Map<string, Promise<ScenarioResult>>> {
  const results = new Map<string, Promise<ScenarioResult>>();
  const early = chosen.filter((s) => s.startsFirst);
  for (const s of early) results.set(s.id, runScenario(s.id, h));
  if (early.length)
    await h
      .until('the early scenarios to run', async () => ((await h.anyRunning()) ? true : undefined), 60_000)
      .catch(() => undefined); // their own waits say what went wrong
  for (const s of chosen.filter((x) => !x.startsFirst)) results.set(s.id, runScenario(s.id, h));
  return results;
}
