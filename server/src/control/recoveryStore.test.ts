// The SQLite recovery store: a maintenance since a time is one SQL query (not every incident of the run loaded), a
// note tells the listeners with the stored incident (the 'updated' change the composition root emits), and a bad
// settings row reads as "not set" (the defaults) through the one readSetting.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RECOVERY_POLICY } from '@trainboard/shared/control/recoveryPolicy';
import type { Incident } from '@trainboard/shared/detect/incident';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import { buildRun } from '../testing/builders.js';
import { createRecoveryStore, pendingRestartKey, recoveryPolicyKey } from './recoveryStore.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

function setup() {
  conn = openDatabase(':memory:');
  const repos = createRepositories(conn.sqlite);
  const runId = buildRun(repos).runId;
  return { repos, runId, recovery: createRecoveryStore(repos) };
}

const incident = (kind: Incident['kind'], key: string, openedAtMs: number): Incident => ({
  key,
  kind,
  severity: 'warning',
  failureKind: null,
  title: kind,
  iteration: null,
  offset: null,
  evidence: [],
  suggestedAction: null,
  workLostIterations: null,
  openedAtMs,
  resolvedAtMs: null,
});

const put = (repos: Repositories, runId: number, i: Incident) =>
  repos.incidents.upsert({ runId, incident: i, jobId: null, nowMs: i.openedAtMs }).stored;

describe('the recovery store over SQLite', () => {
  it('finds a maintenance opened since a time, of this kind and run only, open or resolved', () => {
    const { repos, runId, recovery } = setup();
    const other = buildRun(repos).runId;
    put(repos, runId, incident('hang', 'hang@1', 5_000));
    put(repos, other, incident('maintenance', 'maint', 5_000));
    expect(recovery.maintenanceSince(runId, 1_000)).toBe(false);
    put(repos, runId, { ...incident('maintenance', 'maint', 3_000), resolvedAtMs: 4_000 });
    expect(recovery.maintenanceSince(runId, 1_000)).toBe(true);
    expect(recovery.maintenanceSince(runId, 3_000)).toBe(true);
    expect(recovery.maintenanceSince(runId, 3_001)).toBe(false);
    expect(repos.incidents.existsOfKindSince(other, 'maintenance', 5_000)).toBe(true);
  });

  it('tells the listeners about each note with the stored incident, until unsubscribed', () => {
    const { repos, runId, recovery } = setup();
    const hang = put(repos, runId, { ...incident('hang', 'hang@1', 1), severity: 'critical' });
    const seen: StoredIncident[] = [];
    const off = recovery.onNoted((i) => seen.push(i));
    recovery.noteIncident(hang.id, 'Trainboard is restarting');
    recovery.noteOpenFailure(runId, 'Held: a person decides');
    expect(seen.map((i) => [i.id, i.recoveryNote])).toEqual([
      [hang.id, 'Trainboard is restarting'],
      [hang.id, 'Held: a person decides'],
    ]);
    off();
    recovery.noteIncident(hang.id, 'again');
    expect(seen).toHaveLength(2);
  });

  it('reads a bad policy or pending row as not set', () => {
    const { repos, runId, recovery } = setup();
    repos.settings.set(recoveryPolicyKey(runId), '{not json');
    repos.settings.set(pendingRestartKey(runId), JSON.stringify({ cause: 'nope' }));
    expect(recovery.policy(runId).policy).toEqual(DEFAULT_RECOVERY_POLICY);
    expect(recovery.pending(runId)).toBeNull();
  });
});
