import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets.js';
import type { PresetName } from '../presets.js';
import type { RunConfig, RunConfigInput } from '../schema.js';
import { validateRunConfig } from '../validate.js';
import { renderRun, TEMPLATE_NAMES } from './sbatch.js';
import type { TemplateName } from './sbatch.js';
import { formatNumber, RenderError, shellPath, shellQuote } from './shellWords.js';
import { placeholdersOf, renderTemplate } from './template.js';

const TEMPLATES_DIR = fileURLToPath(new URL('../../../../slurm-templates/', import.meta.url));
const template = (name: TemplateName) => ({
  name,
  text: readFileSync(path.join(TEMPLATES_DIR, `${name}.slurm.tmpl`), 'utf8'),
});
const FAKE = { fakeTrainerPath: '/opt/trainboard/scripts/fake-trainer/pretrain_gpt.py', secondsPerIteration: 0.2 };

const HOSTILE = [
  '; rm -rf ~',
  '$(touch PWNED)',
  '`touch PWNED`',
  'a\ntouch PWNED',
  "it's",
  '"quoted"',
  'ünïcødé ✓',
  'a b',
  '../x;y',
  '|touch PWNED',
  '&& touch PWNED',
];

function valid(input: unknown) {
  const result = validateRunConfig(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result;
}

function bashSyntaxOk(script: string): boolean {
  return spawnSync('bash', ['-n'], { input: script }).status === 0;
}

describe(renderTemplate.name, () => {
  it('fills every placeholder in one pass, leaving placeholder-like text in values alone', () => {
    expect(renderTemplate('t', 'a={{A}} b={{B}}', { A: '{{B}}', B: '2' })).toBe('a={{B}} b=2');
  });

  it('fails loudly on a missing value, an unused value, or a malformed placeholder', () => {
    expect(() => renderTemplate('t', '{{A}} {{B}}', { A: '1' })).toThrow(/no value for placeholder\(s\) B/);
    expect(() => renderTemplate('t', '{{A}}', { A: '1', C: '3' })).toThrow(/C match no placeholder/);
    expect(() => renderTemplate('t', '{{A}} {{ b }}', { A: '1' })).toThrow(RenderError);
  });

  it('every placeholder of every template is documented in slurm-templates/README.md', () => {
    const readme = readFileSync(path.join(TEMPLATES_DIR, 'README.md'), 'utf8');
    for (const name of TEMPLATE_NAMES) {
      for (const placeholder of placeholdersOf(template(name).text))
        expect(readme, placeholder).toContain(`\`{{${placeholder}}}\``);
    }
  });
});

describe('shell words', () => {
  it('shellQuote round-trips hostile strings through a real bash', () => {
    for (const value of HOSTILE) {
      const r = spawnSync('bash', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(value);
    }
  });

  it('shellPath expands only a leading variable and refuses unvalidated paths', () => {
    expect(shellPath('$six_ALL_CCFRSCRATCH/checkpoints/main')).toBe('"${six_ALL_CCFRSCRATCH}"/checkpoints/main');
    expect(shellPath('${HOME}')).toBe('"${HOME}"');
    const r = spawnSync('bash', ['-c', `printf '%s' ${shellPath('$HOME/a/b')}`], {
      encoding: 'utf8',
      env: { HOME: '/h o;me' },
    });
    expect(r.stdout).toBe('/h o;me/a/b');
    for (const value of HOSTILE) expect(() => shellPath(value), value).toThrow(RenderError);
  });

  it('formats numbers as Megatron scripts do', () => {
    expect([6e-5, 1.2e-4, 1e-8, 0.95, 2048, 9_765_625].map(formatNumber)).toEqual([
      '6e-5',
      '1.2e-4',
      '1e-8',
      '0.95',
      '2048',
      '9765625',
    ]);
    expect(() => formatNumber(Number.NaN)).toThrow(RenderError);
  });
});

describe(renderRun.name, () => {
  for (const preset of Object.keys(PRESETS) as PresetName[]) {
    for (const name of TEMPLATE_NAMES) {
      it(`renders ${preset} with ${name} to valid bash matching its snapshot`, async () => {
        const { config, plan } = valid(PRESETS[preset]);
        const rendered = renderRun(config, plan, template(name), FAKE);
        const script = rendered.files[rendered.scriptName] as string;
        expect(bashSyntaxOk(script)).toBe(true);
        expect(script).not.toMatch(/\{\{|\}\}/);
        await expect(script).toMatchFileSnapshot(`./__snapshots__/${preset}.${name}.slurm`);
        await expect(rendered.files['ds_config.json']).toMatchFileSnapshot(`./__snapshots__/${preset}.ds_config.json`);
      });
    }
  }

  it("removes the stack-dump sitecustomize folder when the batch script ends, also when scancel'd", () => {
    const { config, plan } = valid(PRESETS['bloom-176b']);
    const script = renderRun(config, plan, template('megatron-deepspeed')).files['tr11-176B-ml.slurm'] as string;
    const from = script.indexOf('SITE_DIR=');
    const to = script.indexOf('\n', script.indexOf('export PYTHONPATH=', from));
    const block = script.slice(from, to);
    for (const end of ['exit 0', 'kill -TERM $$; sleep 5']) {
      const cwd = mkdtempSync(path.join(tmpdir(), 'tb-site-'));
      const r = spawnSync('bash', ['-c', `${block}\ntest -f "$SITE_DIR/sitecustomize.py" && echo made\n${end}`], {
        cwd,
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin', SLURM_JOB_ID: '77' },
      });
      expect(r.stdout, end).toBe('made\n');
      expect(existsSync(path.join(cwd, 'trainboard-site.77')), end).toBe(false);
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('carries the BLOOM settings into the bloom-176b script', () => {
    const { config, plan } = valid(PRESETS['bloom-176b']);
    const script = renderRun(config, plan, template('megatron-deepspeed')).files['tr11-176B-ml.slurm'] as string;
    for (const line of [
      '#SBATCH --job-name=tr11-176B-ml',
      '#SBATCH --partition=gpu_p5',
      '#SBATCH --nodes=48',
      '#SBATCH --ntasks-per-node=1',
      '#SBATCH --cpus-per-task=64',
      '#SBATCH --gres=gpu:8',
      '#SBATCH --time=100:00:00',
      '#SBATCH --account=six@a100',
      '#SBATCH --qos=qos_gpu-gc',
      '#SBATCH --constraint=a100',
      '#SBATCH --hint=nomultithread',
      '#SBATCH --reservation=hug',
      'NNODES=$SLURM_NNODES',
      'MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
      '--tee 3',
      '--max_restarts 0',
      '--nnodes "$NNODES"',
      'srun --wait=60 --kill-on-bad-exit=1',
      '| tee -a "$MAIN_LOG"',
      '--tensor-model-parallel-size 4',
      '--pipeline-model-parallel-size 12',
      '--num-layers 70',
      '--hidden-size 14336',
      '--num-attention-heads 112',
      '--seq-length 2048',
      '--micro-batch-size 2',
      '--global-batch-size 2048',
      '--rampup-batch-size 192 16 9765625',
      '--train-samples 220000000',
      '--lr 6e-5',
      '--min-lr 6e-6',
      '--lr-warmup-samples 183105',
      '--lr-decay-samples 200000000',
      '--adam-beta2 0.95',
      '--pad-vocab-size-to 250880',
      '--embed-layernorm',
      '--position-embedding-type alibi',
      '--bf16',
      '--zero-stage 0',
      '--save-interval 100',
      '--eval-interval 1000',
      '--exit-duration-in-mins 5990',
      '--kill-switch-path "$KILL_SWITCH_PATH"',
      '--valid-num-workers 0',
      "--pp-partition-method 'type:transformer|embedding'",
      'export CUDA_LAUNCH_BLOCKING=1',
      'export NCCL_ASYNC_ERROR_HANDLING=1',
      '"train_batch_size": 2048',
    ])
      expect(script, line).toContain(line);
    // The node count appears once, on the #SBATCH line: the launcher reads it from Slurm.
    expect(script.match(/\b48\b/g)).toHaveLength(1);
  });

  it('refuses a config that did not pass the schema (hostile job name built in code)', () => {
    const { config, plan } = valid(PRESETS.demo);
    const hostile = { ...config, cluster: { ...config.cluster, jobName: 'x\n#SBATCH --uid=0' } } as RunConfig;
    expect(() => renderRun(hostile, plan, template('megatron-deepspeed'))).toThrow(
      /refusing to render an unvalidated config/,
    );
  });
});

describe('hostile strings', () => {
  const NAME_FIELDS: [string, (c: RunConfigInput, v: string) => void][] = [
    [
      'name',
      (c, v) => {
        c.name = v;
      },
    ],
    [
      'cluster.jobName',
      (c, v) => {
        c.cluster.jobName = v;
      },
    ],
    [
      'cluster.partition',
      (c, v) => {
        c.cluster.partition = v;
      },
    ],
    [
      'cluster.account',
      (c, v) => {
        c.cluster.account = v;
      },
    ],
    [
      'cluster.qos',
      (c, v) => {
        c.cluster.qos = v;
      },
    ],
    [
      'cluster.reservation',
      (c, v) => {
        c.cluster.reservation = v;
      },
    ],
    [
      'cluster.constraint',
      (c, v) => {
        c.cluster.constraint = v;
      },
    ],
    [
      'cluster.exclude',
      (c, v) => {
        c.cluster.exclude = v;
      },
    ],
    [
      'cluster.array',
      (c, v) => {
        c.cluster.array = v;
      },
    ],
    [
      'cluster.dependency',
      (c, v) => {
        c.cluster.dependency = v;
      },
    ],
    [
      'cluster.output',
      (c, v) => {
        c.cluster.output = v;
      },
    ],
    [
      'cluster.timeLimit',
      (c, v) => {
        c.cluster.timeLimit = v;
      },
    ],
    [
      'checkpointing.dir',
      (c, v) => {
        c.checkpointing.dir = v;
      },
    ],
    [
      'logging.mainLog',
      (c, v) => {
        c.logging.mainLog = v;
      },
    ],
    [
      'killSwitchPath',
      (c, v) => {
        c.killSwitchPath = v;
      },
    ],
    [
      'launcher.megatronDir',
      (c, v) => {
        c.launcher.megatronDir = v;
      },
    ],
    [
      'launcher.python',
      (c, v) => {
        c.launcher.python = v;
      },
    ],
    [
      'data.tokenizer.name',
      (c, v) => {
        c.data.tokenizer.name = v;
      },
    ],
  ];

  it.each(NAME_FIELDS)('%s rejects every hostile string with a schema error naming the field', (field, set) => {
    for (const value of HOSTILE) {
      const input = structuredClone(PRESETS.demo) as RunConfigInput;
      set(input, value);
      const result = validateRunConfig(input);
      expect(result.ok, `${field} = ${JSON.stringify(value)}`).toBe(false);
      expect(
        result.issues.map((i) => i.path),
        JSON.stringify(value),
      ).toContain(field);
    }
  });

  it('passes hostile env values and the rendered arguments literally to the launched program, running none of them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trainboard-render-'));
    const bin = path.join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    // Fake Slurm: srun drops its own options and runs the command; scontrol prints one host.
    writeFileSync(
      path.join(bin, 'srun'),
      '#!/bin/bash\nwhile [[ "$1" == --* ]]; do if [[ "$1" == --jobid ]]; then shift; fi; shift; done\nSLURM_PROCID=0 exec "$@"\n',
    );
    writeFileSync(path.join(bin, 'scontrol'), '#!/bin/bash\necho node1\n');
    // Fake python: records its argv (NUL-separated) and the hostile environment.
    writeFileSync(
      path.join(bin, 'python'),
      `#!/bin/bash\nprintf '%s\\0' "$@" > ${shellQuote(path.join(dir, 'argv'))}\nfor v in "\${!HOSTILE_@}"; do printf '%s=%s\\0' "$v" "\${!v}"; done > ${shellQuote(path.join(dir, 'env'))}\n`,
    );
    for (const f of ['srun', 'scontrol', 'python']) chmodSync(path.join(bin, f), 0o755);

    const input = structuredClone(PRESETS.demo) as RunConfigInput;
    input.env = Object.fromEntries(HOSTILE.map((v, i) => [`HOSTILE_${i}`, v]));
    input.env.NCCL_ASYNC_ERROR_HANDLING = '1';
    input.launcher.python = path.join(bin, 'python');
    input.checkpointing.dir = path.join(dir, 'ckpt');
    input.logging.mainLog = path.join(dir, 'logs/main_log.txt');
    const { config, plan } = valid(input);
    const rendered = renderRun(config, plan, template('megatron-deepspeed'));
    const scriptPath = path.join(dir, 'job.slurm');
    writeFileSync(scriptPath, rendered.files[rendered.scriptName] as string);

    const r = spawnSync('bash', [scriptPath], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: dir,
        SLURM_JOB_ID: '42',
        SLURM_NNODES: '2',
        SLURM_JOB_NODELIST: 'node[1-2]',
      },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
    const env = readFileSync(path.join(dir, 'env'), 'utf8').split('\0').slice(0, -1);
    expect(env.sort()).toEqual(HOSTILE.map((v, i) => `HOSTILE_${i}=${v}`).sort());
    const argv = readFileSync(path.join(dir, 'argv'), 'utf8').split('\0').slice(0, -1);
    expect(argv.slice(0, 5)).toEqual(['-u', '-m', 'torch.distributed.run', '--node_rank', '0']);
    expect(argv).toEqual(
      expect.arrayContaining([
        '--nnodes',
        '2',
        '--rdzv_endpoint',
        'node1:29500',
        '--save',
        path.join(dir, 'ckpt'),
        '--deepspeed_config',
        './ds_config.42.json',
      ]),
    );
    expect(JSON.parse(readFileSync(path.join(dir, 'ds_config.42.json'), 'utf8'))).toEqual(
      JSON.parse(rendered.files['ds_config.json'] as string),
    );
    // The fake launcher prints nothing: the main log holds only the job's start marker (log/jobMarker.ts).
    expect(readFileSync(path.join(dir, 'logs/main_log.txt'), 'utf8')).toMatch(
      /^TRAINBOARD JOB START id=42 nodes=node\[1-2\] time=\d+\n$/,
    );
  });
});

describe('env values and the bash trace', () => {
  // A run config's env can hold secrets (an HF token); the job runs under `set -x`, whose trace lands in the job's
  // output, which the log viewer shows. The value must reach the program but never the trace.
  const SECRET = 'hf_Tr41nb0ardS3cretT0ken';

  it.each(TEMPLATE_NAMES)('%s: the program receives the env value and the trace never prints it', (name) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trainboard-trace-'));
    const bin = path.join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(
      path.join(bin, 'srun'),
      '#!/bin/bash\nwhile [[ "$1" == --* ]]; do if [[ "$1" == --jobid ]]; then shift; fi; shift; done\nSLURM_PROCID=0 exec "$@"\n',
    );
    writeFileSync(path.join(bin, 'scontrol'), '#!/bin/bash\necho node1\n');
    // Stands in for the Megatron launcher (python) and the fake trainer (python3): records the token it was given.
    const program = `#!/bin/bash\nprintf '%s' "$HF_TOKEN" > ${shellQuote(path.join(dir, 'received'))}\n`;
    for (const f of ['python', 'python3']) writeFileSync(path.join(bin, f), program);
    for (const f of ['srun', 'scontrol', 'python', 'python3']) chmodSync(path.join(bin, f), 0o755);

    const input = structuredClone(PRESETS.demo) as RunConfigInput;
    input.env = { ...input.env, HF_TOKEN: SECRET };
    input.launcher.python = path.join(bin, 'python');
    input.checkpointing.dir = path.join(dir, 'ckpt');
    input.logging.mainLog = path.join(dir, 'logs/main_log.txt');
    const { config, plan } = valid(input);
    const rendered = renderRun(config, plan, template(name), FAKE);
    const script = rendered.files[rendered.scriptName] as string;
    expect(script).toContain(SECRET); // the script itself must carry it, or the program could not receive it
    const scriptPath = path.join(dir, 'job.slurm');
    writeFileSync(scriptPath, script);

    const r = spawnSync('bash', [scriptPath], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: dir,
        SLURM_JOB_ID: '42',
        SLURM_NNODES: '1',
        SLURM_JOB_NODELIST: 'node1',
        TRAINBOARD_FAKE_TRAINER: path.join(dir, 'pretrain_gpt.py'),
      },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'received'), 'utf8')).toBe(SECRET);
    // The trace is on before and after the exports (else this test would pass for the wrong reason) ...
    expect(r.stderr).toMatch(/^\+ echo 'START TIME: /m);
    expect(r.stderr).toMatch(/^\+ MAIN_LOG=/m);
    // ... and no output of the job shows the secret.
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stdout).not.toContain(SECRET);
    expect(readFileSync(path.join(dir, 'logs/main_log.txt'), 'utf8')).not.toContain(SECRET);
  });
});
