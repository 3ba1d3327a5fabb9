import { describe, expect, it } from 'vitest';
import { DEFAULT_RECOVERY_POLICY, type RecoveryPolicy } from '../control/recoveryPolicy.js';
import type { Incident } from './incident.js';
import {
  backoffDelayMs,
  crashSuspects,
  decideFailureRestart,
  decideRecovery,
  exclusionShortfall,
  restartsInWindow,
  slotFreesAtMs,
  stragglerSuspects,
  type RecoveryContext,
  type RunCapacity,
} from './recovery.js';

const H = 3_600_000;
const NOW = 100 * H;

function incident(over: Partial<Incident>): Incident {
  return {
    key: 'k',
    kind: 'crash',
    severity: 'critical',
    failureKind: 'segfault',
    title: 'Crash: segmentation fault',
    iteration: 120,
    offset: 10,
    evidence: [],
    suggestedAction: null,
    workLostIterations: 20,
    openedAtMs: 0,
    resolvedAtMs: null,
    details: { duringStartup: false },
    ...over,
  };
}

function ctx(over: Partial<RecoveryContext> = {}, policy: Partial<RecoveryPolicy> = {}): RecoveryContext {
  return {
    policy: { ...DEFAULT_RECOVERY_POLICY, ...policy },
    restartTimesMs: [],
    nowMs: NOW,
    maintenanceOpen: false,
    ...over,
  };
}

const eccCrash = incident({
  failureKind: 'ecc_error',
  title: 'Crash: uncorrectable ECC error',
  evidence: [
    { offset: 1, line: 1, text: 'RuntimeError: CUDA error: uncorrectable ECC error encountered', nodes: ['c3'] },
  ],
  suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c3'], text: 'Exclude c3' },
});
const hang = incident({ kind: 'hang', failureKind: null, title: 'No progress for 12 min' });
const nodeFailure = incident({
  kind: 'node_failure',
  failureKind: 'node_failure',
  suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c7'], text: '' },
  details: { repeat: false, nodes: 'c7' },
});

describe(decideRecovery.name, () => {
  it('leaves a crash without a suspect node to the failure policy (it acts once the job has ended)', () => {
    expect(decideRecovery(incident({}), ctx()).act).toBe('none');
  });

  it('excludes the node an ECC / CUDA / XID crash names, and restarts without it', () => {
    expect(decideRecovery(eccCrash, ctx())).toMatchObject({ act: 'restart', cause: 'crash', exclude: ['c3'] });
    const xid = incident({
      failureKind: 'task_exit',
      evidence: [
        { offset: 1, line: 1, text: 'NVRM: Xid (PCI:0000:07:00): 79, GPU has fallen off the bus', nodes: ['c2'] },
      ],
    });
    expect(decideRecovery(xid, ctx())).toMatchObject({ act: 'restart', exclude: ['c2'] });
    // Excluding suspects off: the crash is the failure policy's, restarted unchanged.
    expect(decideRecovery(eccCrash, ctx({}, { excludeSuspectNodes: false })).act).toBe('none');
    // A hostile "node name" is never excluded (nor reaches a command).
    const hostile = incident({
      failureKind: 'ecc_error',
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c1;rm -rf /'], text: '' },
    });
    expect(crashSuspects(hostile)).toEqual([]);
  });

  it('excludes the failed nodes of a node failure and the same node failing again (F2, F9)', () => {
    expect(decideRecovery(nodeFailure, ctx())).toMatchObject({
      act: 'restart',
      cause: 'node_failure',
      exclude: ['c7'],
    });
    const repeat = incident({
      kind: 'node_failure',
      failureKind: 'out_of_memory',
      iteration: null,
      details: { duringStartup: true, repeat: true },
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c7'], text: '' },
    });
    expect(decideRecovery(repeat, ctx())).toMatchObject({ act: 'restart', exclude: ['c7'] });
    // Without exclusions, the same bad node is never restarted onto: a person decides.
    expect(decideRecovery(repeat, ctx({}, { excludeSuspectNodes: false }))).toMatchObject({ act: 'hold' });
    expect(decideRecovery(nodeFailure, ctx({}, { resubmitOnNodeFailure: false })).act).toBe('none');
  });

  it('excludes the stragglers a throughput regression names; words are not node names', () => {
    const slow = (suspectNodes: string) =>
      incident({ kind: 'throughput_regression', failureKind: null, details: { suspectNodes } });
    expect(decideRecovery(slow('c1, c4'), ctx())).toMatchObject({
      act: 'restart',
      cause: 'straggler',
      exclude: ['c1', 'c4'],
    });
    expect(stragglerSuspects(slow('unknown: no node facts offline'))).toEqual([]);
    expect(decideRecovery(slow('c1'), ctx({}, { excludeSuspectNodes: false })).act).toBe('none');
  });

  it('dumps stacks before resubmitting a hang, per the toggles', () => {
    expect(decideRecovery(hang, ctx())).toMatchObject({ act: 'restart', cause: 'hang', stackDump: true, exclude: [] });
    expect(decideRecovery(hang, ctx({}, { stackDumpOnHang: false }))).toMatchObject({
      act: 'restart',
      stackDump: false,
    });
    expect(decideRecovery(hang, ctx({}, { resubmitOnHang: false })).act).toBe('none');
  });

  it('resubmits when nothing is running or queued (F10)', () => {
    const f10 = incident({ kind: 'nothing_running', failureKind: null });
    expect(decideRecovery(f10, ctx())).toMatchObject({ act: 'restart', cause: 'nothing_running' });
  });

  it('does nothing automatic with the policy off', () => {
    for (const i of [eccCrash, hang, nodeFailure, incident({ kind: 'nothing_running' })])
      expect(decideRecovery(i, ctx({}, { enabled: false })).act).toBe('none');
  });

  it('F4: a failure then silence with the job still running is a crash whose job is cancelled and resubmitted', () => {
    const silent = incident({ kind: 'failure_silence', failureKind: 'cuda_error', title: 'Silent since a CUDA error' });
    expect(decideRecovery(silent, ctx())).toMatchObject({
      act: 'restart',
      cause: 'crash',
      exclude: [],
      stackDump: false,
    });
    expect(decideRecovery(silent, ctx({}, { resubmitOnCrash: false })).act).toBe('none');
    expect(decideRecovery(silent, ctx({ maintenanceOpen: true })).act).toBe('wait');
  });

  it('holds the run after an out-of-memory or a python error at start-up: never resubmitted unchanged', () => {
    for (const failureKind of ['out_of_memory', 'python_exception']) {
      const d = decideRecovery(incident({ failureKind, details: { duringStartup: true } }), ctx());
      expect(d.act).toBe('hold');
      expect(d.why).toContain('change');
    }
    // The same out-of-memory mid-training (a rare batch) is left to the failure policy.
    expect(decideRecovery(incident({ failureKind: 'out_of_memory' }), ctx()).act).toBe('none');
  });

  it('leaves other kinds and scheduler endings alone', () => {
    expect(decideRecovery(incident({ kind: 'loss_spike', failureKind: null }), ctx()).act).toBe('none');
    expect(decideRecovery(incident({ failureKind: 'cancelled' }), ctx()).act).toBe('none');
    expect(decideRecovery(incident({ kind: 'maintenance', failureKind: null }), ctx()).act).toBe('none');
  });

  it('waits while a maintenance is open, whatever asked', () => {
    expect(decideRecovery(hang, ctx({ maintenanceOpen: true })).act).toBe('wait');
    expect(decideRecovery(eccCrash, ctx({ maintenanceOpen: true })).act).toBe('wait');
    expect(decideFailureRestart('FAILED', 'job 1 ended', ctx({ maintenanceOpen: true })).act).toBe('wait');
  });
});

describe('window and backoff', () => {
  it('backs off 30, 60, 120 s … capped at the maximum', () => {
    const p = { ...DEFAULT_RECOVERY_POLICY, backoffBaseSeconds: 30, backoffMaxSeconds: 100 };
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(p, n))).toEqual([30_000, 60_000, 100_000, 100_000]);
    expect([1, 2, 3].map((n) => backoffDelayMs(DEFAULT_RECOVERY_POLICY, n))).toEqual([30_000, 60_000, 120_000]);
  });

  it('numbers each restart in the window and delays it by its backoff', () => {
    const seq = [[], [NOW - H], [NOW - 2 * H, NOW - H]].map(
      (restartTimesMs) => decideRecovery(hang, ctx({ restartTimesMs })) as { n: number; notBeforeMs: number },
    );
    expect(seq.map((d) => [d.n, d.notBeforeMs - NOW])).toEqual([
      [1, 30_000],
      [2, 60_000],
      [3, 120_000],
    ]);
  });

  it('holds past the limit (a person decides), and a restart that leaves the window frees its slot', () => {
    const three = [NOW - 5 * H, NOW - 2 * H, NOW - H];
    const d = decideRecovery(hang, ctx({ restartTimesMs: three }));
    expect(d).toMatchObject({ act: 'hold', limit: true });
    expect(d.why).toContain('3 of 3 automatic restarts used in the last 6 h: a person decides');
    expect(slotFreesAtMs(DEFAULT_RECOVERY_POLICY, three, NOW)).toBe(NOW + H);
    // An hour and a bit later the oldest left the window: restart 3 of 3.
    const later = NOW + H + 1;
    expect(restartsInWindow(DEFAULT_RECOVERY_POLICY, three, later)).toHaveLength(2);
    expect(decideRecovery(hang, ctx({ restartTimesMs: three, nowMs: later }))).toMatchObject({ act: 'restart', n: 3 });
    expect(decideFailureRestart('FAILED', 'job 9 ended', ctx({ restartTimesMs: three })).act).toBe('hold');
  });

  it('does not count (nor delay) the restart after a maintenance', () => {
    const three = [NOW - 5 * H, NOW - 2 * H, NOW - H];
    const d = decideFailureRestart('CANCELLED', 'job 9 ended', ctx({ restartTimesMs: three, afterMaintenance: true }));
    expect(d).toMatchObject({ act: 'restart', counted: false, delayMs: 0 });
  });

  it('the failure policy obeys the per-kind toggles and the master switch', () => {
    expect(decideFailureRestart('FAILED', 'x', ctx())).toMatchObject({ act: 'restart', cause: 'failure', n: 1 });
    expect(decideFailureRestart('FAILED', 'x', ctx({}, { resubmitOnCrash: false }))).toMatchObject({ act: 'hold' });
    expect(decideFailureRestart('NODE_FAIL', 'x', ctx({}, { resubmitOnCrash: false })).act).toBe('restart');
    expect(decideFailureRestart('NODE_FAIL', 'x', ctx({}, { resubmitOnNodeFailure: false })).act).toBe('hold');
    expect(decideFailureRestart('FAILED', 'x', ctx({}, { enabled: false })).why).toContain('automatic recovery is off');
  });

  it("excludes a NODE_FAIL job's nodes (no log text needed), only when the policy excludes suspects", () => {
    const nodes = ['c1', 'c2', 'c1'];
    expect(decideFailureRestart('NODE_FAIL', 'x', ctx(), nodes)).toMatchObject({
      act: 'restart',
      exclude: ['c1', 'c2'],
    });
    expect(decideFailureRestart('FAILED', 'x', ctx(), nodes)).toMatchObject({ act: 'restart', exclude: [] });
    const off = ctx({}, { excludeSuspectNodes: false });
    expect(decideFailureRestart('NODE_FAIL', 'x', off, nodes)).toMatchObject({ act: 'restart', exclude: [] });
  });
});

describe(exclusionShortfall.name, () => {
  // F9's old set-up: four nodes, a 2-node job pinned to c4 + c1 by its config; c4 fails.
  const partition = (states: Record<string, string>) =>
    Object.entries(states).map(([name, state]) => ({ name, state, reason: null }));
  const four = partition({ c1: 'idle', c2: 'mixed', c3: 'allocated', c4: 'down' });
  const pinned: RunCapacity = { partitionNodes: four, excludedNodes: ['c2', 'c3'], nodesRequired: 2 };

  it('names the nodes left and what a person can do when the exclusion leaves too few for one job', () => {
    expect(exclusionShortfall(pinned, ['c4'])).toBe(
      'excluding c4 leaves 1 usable node (c1) of the 2 this job needs — free a node or lower the node count',
    );
    expect(exclusionShortfall({ ...pinned, excludedNodes: ['c2', 'c3', 'c1'] }, ['c4'])).toBe(
      'excluding c4 leaves 0 usable nodes of the 2 this job needs — free a node or lower the node count',
    );
  });

  it('is content with a spare node, counts busy and unhealthy nodes (they come back), ignores outsiders', () => {
    expect(exclusionShortfall({ ...pinned, excludedNodes: ['c2'] }, ['c4'])).toBeNull(); // c1 + c3 (allocated)
    const drained = partition({ c1: 'idle', c2: 'drained', c3: 'idle', c4: 'down' });
    expect(exclusionShortfall({ ...pinned, partitionNodes: drained, excludedNodes: ['c3'] }, ['c4'])).toBeNull();
    // A node outside the partition excluded by the run changes nothing.
    expect(exclusionShortfall({ ...pinned, excludedNodes: ['c2', 'x9'] }, ['c4'])).toBeNull();
  });

  it("keeps today's restart when the partition or the node count is unknown, or nothing is excluded", () => {
    expect(exclusionShortfall(null, ['c4'])).toBeNull();
    expect(exclusionShortfall({ ...pinned, partitionNodes: null }, ['c4'])).toBeNull();
    expect(exclusionShortfall({ ...pinned, nodesRequired: null }, ['c4'])).toBeNull();
    expect(exclusionShortfall({ ...pinned, excludedNodes: ['c2', 'c3', 'c1'] }, [])).toBeNull();
  });

  it('holds the node failure and NODE_FAIL restarts that sbatch would refuse, with the reason in words', () => {
    const f9 = incident({
      kind: 'node_failure',
      failureKind: 'node_failure',
      title: 'Node failure on c4',
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c4'], text: '' },
    });
    const d = decideRecovery(f9, ctx({ capacity: pinned }));
    expect(d).toMatchObject({ act: 'hold', limit: false });
    expect(d.why).toMatch(/^excluding c4 leaves 1 usable node \(c1\) of the 2 this job needs .*\(node failure on c4/);
    expect(decideRecovery(f9, ctx({ capacity: { ...pinned, excludedNodes: ['c2'] } }))).toMatchObject({
      act: 'restart',
      exclude: ['c4'],
    });
    // The failure policy after a NODE_FAIL excludes both nodes of the job: none would be left.
    expect(
      decideFailureRestart('NODE_FAIL', 'job 3 ended NODE_FAIL', ctx({ capacity: pinned }), ['c1', 'c4']),
    ).toMatchObject({
      act: 'hold',
      why: expect.stringContaining('excluding c1, c4 leaves 0 usable nodes of the 2'),
    });
    // A straggler's exclusion too (F7): the same rule (c4 excluded after its failure, c2 by the config).
    const slow = incident({ kind: 'throughput_regression', failureKind: null, details: { suspectNodes: 'c1' } });
    expect(decideRecovery(slow, ctx({ capacity: { ...pinned, excludedNodes: ['c2', 'c4'] } }))).toMatchObject({
      act: 'hold',
    });
    // A plain resubmit excludes nothing: never held by this rule.
    expect(decideRecovery(hang, ctx({ capacity: { ...pinned, excludedNodes: ['c1', 'c2', 'c3'] } })).act).toBe(
      'restart',
    );
  });
});
