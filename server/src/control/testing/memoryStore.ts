// An in-memory ControlStore and lease repository for unit tests of the controller and the services: the same
// contract as the SQLite adapter, with a transaction that rolls back by snapshot.
import { jobNameWithKey, makeIdemKey } from '@trainboard/shared/control/idemKey';
import type { LeaseRepoPort } from '../lease.js';
import type { AuditRecord, ControlAction, ControlJob, ControlRun, ControlStore, NewControlledRun } from '../ports.js';

interface State {
  runs: ControlRun[];
  jobs: ControlJob[];
  actions: ControlAction[];
  audit: (AuditRecord & { id: number; at: number })[];
  iterations: Map<number, number>;
  followed: { runName: string; path: string }[];
}

export interface MemoryStore extends ControlStore {
  state: State;
}

export function memoryStore(): MemoryStore {
  let state: State = { runs: [], jobs: [], actions: [], audit: [], iterations: new Map(), followed: [] };
  const run = (id: number) => state.runs.find((r) => r.runId === id);
  const job = (id: number) => state.jobs.find((j) => j.id === id)!;
  const store: MemoryStore = {
    get state() {
      return state;
    },
    transaction(fn) {
      const snapshot = structuredClone(state);
      try {
        return fn();
      } catch (err) {
        state = snapshot;
        throw err;
      }
    },
    installId: () => 'abc123',
    createRun(r: NewControlledRun) {
      const runId = state.runs.length + 1;
      state.runs.push({ ...r, runId, desired: 'active', version: 1, excludeNodes: r.excludeNodes ?? null });
      return { runId, version: 1 };
    },
    run: (id) => (run(id) ? { ...run(id)! } : undefined),
    runIdByName: (name) => state.runs.find((r) => r.name === name)?.runId,
    followLog: (runName, path) => void state.followed.push({ runName, path }),
    controlledRuns: () => state.runs.filter((r) => r.desired !== null && r.desired !== 'done').map((r) => ({ ...r })),
    setDesired(runId, patch, expectedVersion) {
      const r = run(runId)!;
      if (r.version !== expectedVersion) return 'version_conflict';
      Object.assign(
        r,
        patch.desired ? { desired: patch.desired } : {},
        patch.chainLength ? { chainLength: patch.chainLength } : {},
      );
      if (patch.excludeNodes !== undefined) r.excludeNodes = patch.excludeNodes;
      r.version += 1;
      return 'ok';
    },
    bumpVersion: (runId) => ++run(runId)!.version,
    lastIteration: (runId) => state.iterations.get(runId) ?? null,
    jobsOfRun: (runId) => state.jobs.filter((j) => j.runId === runId).map((j) => ({ ...j })),
    submittingJobs: () => state.jobs.filter((j) => j.phase === 'submitting').map((j) => ({ ...j })),
    beginSubmit(j) {
      const id = state.jobs.length + 1;
      const idemKey = makeIdemKey('abc123', id);
      const row: ControlJob = {
        id,
        runId: j.runId,
        chainSeq: j.chainSeq,
        schedulerJobId: null,
        idemKey,
        schedName: jobNameWithKey(j.baseName, idemKey),
        phase: 'submitting',
        state: 'SUBMITTING',
        dependsOn: j.dependsOn,
        exclude: j.exclude,
        reason: j.reason,
        nodeList: null,
        reasonText: null,
        exitCode: null,
        submitStartedAt: j.now,
      };
      state.jobs.push(row);
      return { ...row };
    },
    markSubmitted(id, schedulerJobId) {
      Object.assign(job(id), { phase: 'submitted', schedulerJobId, state: 'PENDING' });
    },
    markLost: (id) => void (job(id).phase = 'lost'),
    markDuplicate: (id) => void (job(id).phase = 'duplicate_cancelled'),
    recordStatus(id, s) {
      const j = job(id);
      const changed = j.state !== s.state || j.nodeList !== s.nodeList || j.reasonText !== s.reasonText;
      Object.assign(j, { state: s.state, nodeList: s.nodeList, reasonText: s.reasonText, exitCode: s.exitCode });
      return changed;
    },
    insertAction(a) {
      const id = state.actions.length + 1;
      state.actions.push({
        id,
        runId: a.runId,
        kind: a.request.kind,
        request: a.request,
        state: 'pending',
        requestedBy: a.actor.userId,
        actorName: a.actor.name,
        commands: a.commands.map((c) => c.join(' ')),
        result: null,
        createdAt: a.now,
        finishedAt: null,
      });
      return id;
    },
    pendingActions: () => state.actions.filter((a) => a.state === 'pending').map((a) => ({ ...a })),
    cancelledOnRequest: (runId) =>
      state.actions.flatMap((a) =>
        a.runId === runId && a.state === 'done' && a.request.kind === 'cancel_job' ? [a.request.jobId] : [],
      ),
    action: (id) => state.actions.find((a) => a.id === id),
    startAction: (id) => void (state.actions.find((a) => a.id === id)!.state = 'running'),
    finishAction(id, s, result, now) {
      Object.assign(
        state.actions.find((a) => a.id === id)!,
        { state: s, result, finishedAt: now },
      );
    },
    audit(e, now) {
      const id = state.audit.length + 1;
      state.audit.push({ ...e, id, at: now });
      return id;
    },
  };
  return store;
}

/** A lease table of one row, with the same takeover and fencing rules as lease.repo. */
export function memoryLease(): LeaseRepoPort {
  let row: { holder: string; token: number; expiresAt: number } | null = null;
  return {
    tryAcquire(_name, holder, ttlMs, now) {
      if (row && row.holder !== holder && row.expiresAt > now) return { held: false, token: row.token };
      row = { holder, token: (row?.token ?? 0) + 1, expiresAt: now + ttlMs };
      return { held: true, token: row.token };
    },
    renew(_name, holder, token, ttlMs, now) {
      if (!row || row.holder !== holder || row.token !== token || row.expiresAt <= now) return false;
      row.expiresAt = now + ttlMs;
      return true;
    },
    release(_name, holder) {
      if (row?.holder === holder) row.expiresAt = 0;
    },
    assertHeld(_name, holder, token, now) {
      if (!row || row.holder !== holder || row.token !== token || row.expiresAt <= now) throw new Error('LeaseLost');
    },
  };
}
