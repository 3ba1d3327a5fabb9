import { describe, expect, it } from 'vitest';
import { createSubmitRunService, SubmitRefusedError } from './submitRun.service.js';
import { memoryStore } from './testing/memoryStore.js';
import { fakeCluster, FakeScheduler } from './testing/fakeScheduler.js';
import type { ClusterRow } from '../clusters/types.js';
import { PRESETS } from '@trainboard/shared/runconfig/index';
import { planAction } from '@trainboard/shared/control/actions';

const actor = { kind: 'user' as const, userId: 7, name: 'alice' };

function setup() {
  const store = memoryStore();
  const files: string[] = [];
  const base = fakeCluster(new FakeScheduler(), files);
  const row = { ...base.row, defaultPartition: 'gpu_dev', fakeTrainerPath: '/opt/fake/pretrain_gpt.py' } as ClusterRow;
  const cluster = { ...base, row };
  let kicks = 0;
  const service = createSubmitRunService({ store, clusters: { get: () => cluster }, kick: () => void kicks++ });
  return { store, files, service, kicks: () => kicks };
}

const input = { cluster: 'dev', config: { preset: 'demo' }, chainLength: 3, name: 'demo-a' };

describe('SubmitRunService', () => {
  it('previews the exact script and one keyed sbatch argv per job, with the cluster defaults applied', async () => {
    const { service, files } = setup();
    const p = await service.preview(input);
    expect(p.ok).toBe(true);
    expect(p.runDir).toBe('/jobs/demo-a');
    expect(p.script).toContain('#SBATCH --partition=gpu_dev');
    expect(p.script).toContain('/opt/fake/pretrain_gpt.py');
    expect(p.sbatchArgv).toEqual([
      ['sbatch', '--parsable', '--job-name=demo-a.tb.000000.0', '--comment=tb.000000.0', '--chdir=/jobs/demo-a'],
      [
        'sbatch',
        '--parsable',
        '--job-name=demo-a.tb.000000.0',
        '--comment=tb.000000.0',
        '--dependency=afterany:<previous job>',
        '--chdir=/jobs/demo-a',
      ],
      [
        'sbatch',
        '--parsable',
        '--job-name=demo-a.tb.000000.0',
        '--comment=tb.000000.0',
        '--dependency=afterany:<previous job>',
        '--chdir=/jobs/demo-a',
      ],
    ]);
    expect(files).toEqual([]); // a preview writes nothing
  });

  it("a config's own partition wins over the row's default, which fills in only when the config names none", async () => {
    const { service } = setup();
    const own = { ...PRESETS.demo, cluster: { ...PRESETS.demo.cluster, partition: 'mine' } };
    const mine = await service.preview({ ...input, config: own });
    expect(mine.script).toContain('#SBATCH --partition=mine');
    expect(mine.script).not.toContain('gpu_dev');
    const { partition: _dropped, ...noPartition } = PRESETS.demo.cluster;
    const none = await service.preview({ ...input, config: { ...PRESETS.demo, cluster: noPartition } });
    expect(none.script).toContain('#SBATCH --partition=gpu_dev');
  });

  it('submits: run folder and files written, run recorded with its desired state and audit, controller kicked', async () => {
    const { service, store, files, kicks } = setup();
    const created = await service.submit(input, actor);
    expect(files).toEqual([
      'mkdir /jobs/demo-a',
      'write /jobs/demo-a/trainboard-demo.fake.slurm',
      'write /jobs/demo-a/ds_config.json',
    ]);
    const run = store.run(created.runId)!;
    expect(run).toMatchObject({ desired: 'active', chainLength: 3, runDir: '/jobs/demo-a', trainIters: 391 });
    expect(run.killSwitchPath).toBe('/jobs/demo-a/runs/demo/kill-switch');
    expect(store.state.followed).toEqual([
      { runName: 'demo-a', path: '/jobs/demo-a/runs/demo/logs/main/main_log.txt' },
    ]);
    expect(store.state.audit).toMatchObject([{ action: 'run.submit', result: 'requested', actor }]);
    // The submitted config's Slurm fields, kept where the ingest's banners cannot replace them (cluster facts).
    expect(store.state.audit[0]?.details).toMatchObject({
      config: {
        cluster: { partition: 'gpu_dev', nodes: PRESETS.demo.cluster.nodes },
        checkpointing: { dir: expect.any(String) },
      },
    });
    expect(kicks()).toBe(1);
    await expect(service.submit(input, actor)).rejects.toThrow(SubmitRefusedError);
  });

  it('refuses a config with errors and records nothing', async () => {
    const { service, store, files } = setup();
    const bad = { ...input, config: { name: 'x', model: { numLayers: -1 } } };
    expect((await service.preview(bad)).ok).toBe(false);
    await expect(service.submit(bad, actor)).rejects.toMatchObject({ code: 'invalid_config' });
    expect(store.state.runs).toEqual([]);
    expect(files).toEqual([]);
  });

  it("renders without the config's job array: the chain replaces it", async () => {
    const { service } = setup();
    const demo = PRESETS.demo as unknown as { cluster: Record<string, unknown> };
    const config = { ...demo, cluster: { ...demo.cluster, array: '1-3%1' } };
    const p = await service.preview({ ...input, config });
    expect(p.ok).toBe(true);
    expect(p.script).not.toMatch(/--array/);
  });
  it("stores the config's cluster.exclude as the run's exclusion list, so the first exclusion adds to it", async () => {
    const { service, store } = setup();
    const demo = PRESETS.demo as unknown as { cluster: Record<string, unknown> };
    const config = { ...demo, cluster: { ...demo.cluster, exclude: 'c[3-4]' } };
    const created = await service.submit({ ...input, config, chainLength: 1 }, actor);
    const run = store.run(created.runId)!;
    expect(run.excludeNodes).toBe('c3,c4');
    // The exclude action's sbatch line replaces the script's `#SBATCH --exclude`: it must name all three.
    const plan = planAction(run, [], { kind: 'exclude', nodes: 'c2' });
    expect(plan.commands.flat()).toContain('--exclude=c2,c3,c4');
    expect(plan.patch?.excludeNodes).toBe('c2,c3,c4');
  });
});
