import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRunConfig } from './renderRunConfig.js';
import { TEMPLATES_DIR } from './templates.js';

// A copy of slurm-templates/ whose `generic` profile sets an environment variable no preset sets.
const templatesDir = mkdtempSync(join(tmpdir(), 'render-run-config-'));
cpSync(TEMPLATES_DIR, templatesDir, { recursive: true });
const generic = join(templatesDir, 'profiles/generic.yaml');
writeFileSync(generic, `${readFileSync(generic, 'utf8')}  TRAINBOARD_PROFILE_MARK: "from-the-profile"\n`);
afterAll(() => rmSync(templatesDir, { recursive: true, force: true }));

const fakeTrainer = { fakeTrainerPath: '/opt/fake/pretrain_gpt.py', secondsPerIteration: 0.1 };

describe('renderRunConfig', () => {
  it('renders a kubernetes manifest from the same config and profile when asked (what the preview shows)', async () => {
    const r = await renderRunConfig({
      source: { preset: 'demo' },
      template: 'fake-trainer',
      fakeTrainer,
      templatesDir,
      kubernetes: { workload: 'job', image: 'ghcr.io/example/trainer:1' },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const manifest = r.rendered.files[r.rendered.scriptName] as string;
    expect(r.rendered.scriptName).toBe('trainboard-demo.k8s.yaml');
    expect(manifest).toMatch(/^#! Kubernetes manifest/);
    expect(manifest).toContain('kind: Job');
    expect(manifest).toContain('{ name: "TRAINBOARD_PROFILE_MARK", value: "from-the-profile" }'); // env entries, not exports
    expect(manifest).toContain('/opt/fake/pretrain_gpt.py');
  });

  it('merges a preset over its cluster profile, as a config file is', async () => {
    const r = await renderRunConfig({
      source: { preset: 'demo' },
      template: 'fake-trainer',
      fakeTrainer,
      templatesDir,
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.env.TRAINBOARD_PROFILE_MARK).toBe('from-the-profile');
    expect(r.rendered.files[r.rendered.scriptName]).toContain('TRAINBOARD_PROFILE_MARK');
  });

  it('sets cluster values over the config before the profile, and the preset still wins over the profile', async () => {
    const r = await renderRunConfig({
      source: { preset: 'demo', cluster: { partition: 'gpu_p5' } },
      template: 'fake-trainer',
      fakeTrainer,
      templatesDir,
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.cluster.partition).toBe('gpu_p5');
    expect(r.config.cluster.gpusPerNode).toBe(4); // the preset's 4, not the generic profile's 8
    expect(r.rendered.files[r.rendered.scriptName]).toContain('#SBATCH --partition=gpu_p5');
  });

  it('refuses an invalid config with its findings and renders nothing', async () => {
    const r = await renderRunConfig({
      source: { preset: 'demo', cluster: { nodes: 0 } },
      template: 'fake-trainer',
      fakeTrainer,
      templatesDir,
    });
    expect(r.ok).toBe(false);
    expect(r.issues.some((i) => i.severity === 'error' && i.path === 'cluster.nodes')).toBe(true);
    expect('rendered' in r).toBe(false);
  });
});
