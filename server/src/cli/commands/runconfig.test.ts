import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PRESETS } from '@trainboard/shared/runconfig/index';
import { run as plan } from './plan.js';
import { run as render } from './render.js';
import { run as validate } from './validate.js';

async function cli(command: typeof plan, argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await command(argv, { stdout, stderr });
  return { code, out, err };
}

const dir = mkdtempSync(path.join(tmpdir(), 'trainboard-cli-'));
function writeConfig(name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, name.endsWith('.json') ? JSON.stringify(value) : stringify(value));
  return file;
}

describe('trainboard plan', () => {
  it('prints the stable JSON plan of bloom-176b', async () => {
    const { code, out } = await cli(plan, ['--preset', 'bloom-176b', '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(json).toMatchObject({
      worldSize: 384,
      dataParallel: 8,
      trainIters: 115311,
      fullBatchAtIteration: 12659,
      tokensPerIteration: 4194304,
      paramCount: 176247271424,
    });
    expect(json.memoryPerGpuBytes).toBeGreaterThan(20 * 2 ** 30);
    expect(Object.keys(json).slice(0, 4)).toEqual(['name', 'worldSize', 'dataParallel', 'trainIters']);
  });

  it('prints a readable plan with the warnings', async () => {
    const { code, out } = await cli(plan, ['--preset', 'bloom-176b']);
    expect(code).toBe(0);
    expect(out).toMatch(/train_iters\s+115,311/);
    expect(out).toMatch(/warning exitDurationMins = 5990 \[exit-duration\]/);
  });

  it('exits 1 with the findings for an invalid config, and 2 for usage errors', async () => {
    const bad = writeConfig('bad.yaml', { ...PRESETS.demo, parallelism: { tensor: 3, pipeline: 2 } });
    const r = await cli(plan, [bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error parallelism.tensor = 3 \[tp-divides-heads\]/);
    expect((await cli(plan, [])).code).toBe(2);
    expect((await cli(plan, ['--preset', 'nope'])).code).toBe(1);
  });
});

describe('trainboard validate', () => {
  it('accepts a YAML file that names a cluster profile and leaves the profile values to it', async () => {
    const input = structuredClone(PRESETS['bloom-176b']) as Record<string, unknown> & {
      cluster: Record<string, unknown>;
    };
    for (const key of [
      'partition',
      'account',
      'qos',
      'constraint',
      'gpusPerNode',
      'cpusPerNode',
      'gpuMemoryGiB',
      'hint',
      'output',
      'maxTimeLimit',
    ])
      delete input.cluster[key];
    input.env = {};
    const r = await cli(validate, [writeConfig('bloom.yaml', input)]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/valid: 0 error\(s\), 1 warning\(s\)/);
  });

  it('exits 1 and prints field, value, why and fix for each error (JSON file)', async () => {
    const r = await cli(validate, [writeConfig('bad.json', { ...PRESETS['bloom-7b1'], exitDurationMins: 5990 })]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /error exitDurationMins = 5990 \[exit-duration\]\n {2}why: .+\n {2}fix: set exitDurationMins to/,
    );
  });

  it('reports YAML syntax errors, unknown profiles and unreadable files as findings', async () => {
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'model: [unclosed\n');
    expect((await cli(validate, [broken])).out).toMatch(/\[syntax\]/);
    const unknown = await cli(validate, [
      writeConfig('unknown.yaml', { ...PRESETS.demo, cluster: { ...PRESETS.demo.cluster, profile: 'nowhere' } }),
    ]);
    expect(unknown.out).toMatch(/cluster.profile = "nowhere" \[profile\]/);
    expect((await cli(validate, [path.join(dir, 'missing.yaml')])).out).toMatch(/ENOENT/);
  });
});

describe('trainboard render', () => {
  it('writes the bloom-176b sbatch script and DeepSpeed config', async () => {
    const out = path.join(dir, 'bloom');
    const r = await cli(render, ['--preset', 'bloom-176b', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(path.join(out, 'tr11-176B-ml.slurm'), 'utf8')).toContain('#SBATCH --nodes=48');
    expect(JSON.parse(readFileSync(path.join(out, 'ds_config.json'), 'utf8'))).toMatchObject({
      train_batch_size: 2048,
      bf16: { enabled: true },
    });
  });

  it('renders the fake-trainer job for the demo', async () => {
    const out = path.join(dir, 'demo');
    const r = await cli(render, ['--preset', 'demo', '--template', 'fake-trainer', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(path.join(out, 'trainboard-demo.fake.slurm'), 'utf8')).toMatch(/python3 -u "\$FAKE_TRAINER"/);
  });

  it('refuses an invalid config and writes nothing', async () => {
    const out = path.join(dir, 'refused');
    const r = await cli(render, [
      writeConfig('hostile.yaml', { ...PRESETS.demo, cluster: { ...PRESETS.demo.cluster, jobName: 'x; rm -rf ~' } }),
      '--out',
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cluster.jobName/);
    expect(r.err).toMatch(/refusing to render an invalid config/);
    expect(() => readFileSync(path.join(out, 'ds_config.json'))).toThrow();
  });
});
