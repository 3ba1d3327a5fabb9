// The incident tick with cluster facts: a gather per tick (one in flight), the facts applied when they arrive,
// cluster-state incidents stored and resolved like the log's, and those an earlier process left open resolved
// once this one has looked a few times without finding them.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterFacts } from '@trainboard/shared/detect/clusterFacts';
import type { IncidentChange } from '@trainboard/shared/detect/incidentApi';
import { clusterFacts, jobFact } from '@trainboard/shared/testing/clusterFacts';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { findOrCreateRun } from '../db/runs.repo.js';
import type { ClusterFactsSource } from './clusterFacts.js';
import { createIncidentsService } from './incidents.service.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

const T0 = Date.UTC(2026, 11, 6, 12);
const TICK = 15_000;
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Facts the test sets; `gather` answers them (or waits on `hold` to be released). */
function scriptedSource() {
  let next: Partial<ClusterFacts> = {};
  let hold: Promise<void> | null = null;
  let gathers = 0;
  const source: ClusterFactsSource = {
    async gather() {
      gathers++;
      if (hold) await hold;
      return clusterFacts({ ...next, timeMs: now });
    },
    capacity: () => null,
  };
  let now = T0;
  return {
    source,
    set: (f: Partial<ClusterFacts>) => void (next = f),
    hold(): () => void {
      let release = () => {};
      hold = new Promise<void>((r) => (release = r));
      return () => {
        hold = null;
        release();
      };
    },
    gathers: () => gathers,
    clock: { now: () => now, advance: () => (now += TICK) },
  };
}

function setup() {
  conn = openDatabase(':memory:');
  const repos = createRepositories(conn.sqlite);
  const run = findOrCreateRun(conn.db, 'gpt');
  const s = scriptedSource();
  const newService = () =>
    createIncidentsService({ repos, logger: pino({ level: 'silent' }), now: s.clock.now, clusterFacts: s.source });
  return { repos, runId: run.id, s, newService };
}

async function start(t: ReturnType<typeof setup>) {
  const service = t.newService();
  const changes: IncidentChange[] = [];
  service.onChange((c) => changes.push(c));
  service.follow(t.runId);
  await service.idle();
  const tick = async () => {
    service.tick(t.s.clock.now());
    await settle();
    t.s.clock.advance();
  };
  return { service, changes, tick };
}

describe('cluster-state incidents on the incident tick', () => {
  it('a partition going down opens a maintenance incident as the facts arrive; back up resolves it', async () => {
    const t = setup();
    const { service, changes, tick } = await start(t);
    t.s.set({ partitionState: 'down', jobs: [jobFact('9', 'CANCELLED by 0')] });
    await tick();
    const [open] = service.list(t.runId).incidents;
    expect(open).toMatchObject({ kind: 'maintenance', severity: 'info', resolvedAtMs: null, jobId: '9' });
    expect(open?.details).toMatchObject({ holdAutomaticRestarts: true });
    t.s.set({ partitionState: 'up' });
    await tick();
    expect(service.list(t.runId).incidents[0]?.resolvedAtMs).toBe(T0 + TICK);
    expect(changes.map((c) => `${c.change} ${c.incident.kind}`)).toEqual([
      'opened maintenance',
      'resolved maintenance',
    ]);
  });

  it('nothing running opens on the second tick, not the first', async () => {
    const t = setup();
    const { service, tick } = await start(t);
    t.s.set({ jobs: [jobFact('9', 'FAILED')] });
    await tick();
    expect(service.list(t.runId).incidents).toHaveLength(0);
    await tick();
    expect(service.list(t.runId).incidents[0]).toMatchObject({
      kind: 'nothing_running',
      severity: 'critical',
      suggestedAction: { kind: 'resubmit' },
    });
  });

  it('one gather in flight per run: a slow gather is not started again, and its facts apply when they come', async () => {
    const t = setup();
    const { service, tick } = await start(t);
    const release = t.s.hold();
    t.s.set({ partitionState: 'inactive' });
    await tick();
    await tick();
    expect(t.s.gathers()).toBe(1);
    expect(service.list(t.runId).incidents).toHaveLength(0);
    release();
    await settle();
    expect(service.list(t.runId).incidents[0]).toMatchObject({ kind: 'maintenance' });
  });

  it('after a restart, an open cluster incident the new process does not find again is resolved', async () => {
    const t = setup();
    const first = await start(t);
    t.s.set({ partitionState: 'down' });
    await first.tick();
    first.service.stop();
    t.s.set({ partitionState: 'up' });
    const second = await start(t);
    await second.tick();
    await second.tick();
    expect(second.service.list(t.runId).openCount).toBe(1); // not yet: the new process has looked twice
    await second.tick();
    expect(second.service.list(t.runId)).toMatchObject({ openCount: 0 });
    expect(second.changes.map((c) => c.change)).toEqual(['resolved']);
  });
});
