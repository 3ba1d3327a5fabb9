// F12 before submitting: the preview asks the partition (when the backend can) and adds warnings for a partition
// that is not up or has too few usable nodes; without partition(), or when it fails, the preview is unchanged.
import { describe, expect, it } from 'vitest';
import type { PartitionReport } from '../adapters/clusterBackend.js';
import type { ClusterRow } from '../clusters/types.js';
import { createSubmitRunService } from './submitRun.service.js';
import { memoryStore } from './testing/memoryStore.js';
import { fakeCluster, FakeScheduler } from './testing/fakeScheduler.js';

const input = { cluster: 'dev', config: { preset: 'demo' }, chainLength: 1, name: 'demo-p' };

function serviceWith(partition?: (p: string | null) => Promise<PartitionReport>) {
  const asked: (string | null)[] = [];
  const scheduler = new FakeScheduler() as FakeScheduler & { partition?: typeof partition };
  if (partition)
    scheduler.partition = (p) => {
      asked.push(p);
      return partition(p);
    };
  const base = fakeCluster(scheduler);
  const cluster = { ...base, row: { ...base.row, defaultPartition: 'gpu_dev' } as ClusterRow };
  const service = createSubmitRunService({ store: memoryStore(), clusters: { get: () => cluster }, kick: () => {} });
  return { service, asked };
}

const report = (state: PartitionReport['state'], states: string[]): PartitionReport => ({
  partition: 'gpu_dev',
  state,
  nodes: states.map((s, i) => ({ name: `n${i + 1}`, state: s, reason: null })),
  reservations: [],
});

describe('submit preview: the partition check (F12)', () => {
  it('warns when the partition has fewer usable nodes than the job needs, and when it is down', async () => {
    const { service, asked } = serviceWith(async () => report('down', ['drained', 'down']));
    const p = await service.preview(input);
    expect(asked).toEqual(['gpu_dev']);
    expect(p.ok).toBe(true);
    const rules = p.issues.filter((i) => i.rule.startsWith('partition-'));
    expect(rules.map((i) => [i.rule, i.severity])).toEqual([
      ['partition-up', 'warning'],
      ['partition-enough-nodes', 'warning'],
    ]);
    expect(rules[1]?.why).toContain('has 0 usable node(s) now');
  });

  it('a healthy partition adds nothing; no partition() or a failing one leaves the preview as it was', async () => {
    const plain = await serviceWith().service.preview(input);
    const healthy = await serviceWith(async () => report('up', ['idle', 'allocated'])).service.preview(input);
    const failing = await serviceWith(async () => {
      throw new Error('slurmctld unreachable');
    }).service.preview(input);
    expect(healthy.issues).toEqual(plain.issues);
    expect(failing.issues).toEqual(plain.issues);
    expect(plain.issues.some((i) => i.rule.startsWith('partition-'))).toBe(false);
  });
});
