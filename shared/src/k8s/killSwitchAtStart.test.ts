// The k8s node scripts clear a kill switch left by a save-and-exit before the trainer starts (the server has no
// shell on the shared volume to remove it at resubmit or release): run the rendered lines with bash, in a folder
// standing for the pod's working directory (the run folder), for the leader and for another rank.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { demo } from '../runconfig/presets.js';
import type { TemplateName } from '../runconfig/render/sbatch.js';
import { validateRunConfig } from '../runconfig/validate.js';
import { K8S_MANIFEST_TEMPLATES, renderK8sRun } from './render.js';
import type { K8sJob } from './types.js';

const DIR = fileURLToPath(new URL('../../../k8s-templates/', import.meta.url));
const read = (f: string) => readFileSync(path.join(DIR, f), 'utf8');
const work = mkdtempSync(path.join(tmpdir(), 'tb-k8s-ks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function nodeScript(template: TemplateName, killSwitchPath: string | null): string {
  const { killSwitchPath: _unused, ...rest } = demo;
  const r = validateRunConfig(killSwitchPath === null ? rest : { ...demo, killSwitchPath });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  const templates = {
    script: { name: template, text: read(`${template}.sh.tmpl`) },
    manifest: { name: K8S_MANIFEST_TEMPLATES.job, text: read(`${K8S_MANIFEST_TEMPLATES.job}.yaml.tmpl`) },
  };
  const fake = { fakeTrainerPath: '/opt/fake/pretrain_gpt.py', secondsPerIteration: 0.2 };
  const rendered = renderK8sRun(r.config, r.plan, templates, { workload: 'job', image: 'img:1' }, fake);
  const job = parseYaml(rendered.files[rendered.scriptName] as string) as K8sJob;
  return job.spec!.template.spec!.containers[0]!.command![2] as string;
}

/** The script's lines from the kill-switch assignment to the removal, run with NODE_RANK set, in `cwd`. */
function runClear(script: string, rank: number, cwd: string): void {
  const lines = script.split('\n');
  const from = lines.findIndex((l) => l.startsWith('KILL_SWITCH_PATH='));
  const to = lines.findIndex((l) => l.includes('rm -f -- "$KILL_SWITCH_PATH"'));
  const launch = lines.findIndex((l) => /python3? -u|torch\.distributed\.run/.test(l));
  expect(from).toBeGreaterThanOrEqual(0);
  expect(to).toBeGreaterThan(from);
  expect(launch).toBeGreaterThan(to);
  const part = ['set -e -u', lines[from], `NODE_RANK=${rank}`, lines[to]].join('\n');
  const r = spawnSync('bash', ['-c', part], { cwd, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

describe('the kill switch is cleared at job start on Kubernetes', () => {
  for (const template of ['fake-trainer', 'megatron-deepspeed'] as TemplateName[])
    it(`${template}: the leader removes it before the launch, other ranks leave it`, () => {
      const cwd = mkdtempSync(path.join(work, `${template}-`));
      const file = path.join(cwd, 'runs/demo-1/STOP,x=1');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, '');
      const script = nodeScript(template, 'runs/demo-1/STOP,x=1');
      runClear(script, 1, cwd);
      expect(existsSync(file)).toBe(true);
      runClear(script, 0, cwd);
      expect(existsSync(file)).toBe(false);
      runClear(script, 0, cwd); // nothing there: still fine (rm -f)
    });

  it('a run with no kill switch removes nothing', () => {
    const cwd = mkdtempSync(path.join(work, 'none-'));
    writeFileSync(path.join(cwd, 'keep'), '');
    runClear(nodeScript('fake-trainer', null), 0, cwd);
    expect(existsSync(path.join(cwd, 'keep'))).toBe(true);
  });
});
