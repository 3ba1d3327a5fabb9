import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureIo } from '../../testing/captureIo.js';
import { FakeKubeApi } from '../../adapters/kubernetes/testing/fakeKubeApi.js';
import { run } from './cluster.js';

let dir: string;
let db: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-cli-'));
  db = join(dir, 'tb.db');
  writeFileSync(join(dir, 'key'), 'not a key');
  writeFileSync(join(dir, 'known_hosts'), '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await run([...argv, '--db', db], io);
  return { code, out: io.out(), err: io.err() };
}

describe('trainboard cluster', () => {
  it('adds with paths resolved against the current folder, lists, removes', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const added = await cli(
        'add',
        'dev',
        '--host=login.example.org',
        '--user=me',
        '--key=key',
        '--known-hosts=known_hosts',
        '--jobs-root=/scratch/tb',
      );
      expect(added).toMatchObject({ code: 0, err: '' });
      expect(added.out).toContain(`me@login.example.org:22  key ${join(dir, 'key')}`);
    } finally {
      process.chdir(cwd);
    }
    expect((await cli('list', '--json')).out).toContain('"jobsRoot": "/scratch/tb"');
    expect(await cli('remove', 'dev')).toMatchObject({ code: 0, out: 'removed cluster dev\n' });
    expect((await cli('list')).out).toBe('');
  });

  it('names every bad field and stores nothing', async () => {
    const r = await cli('add', 'Bad;name', '--host=-oProxyCommand=x', '--user=me', '--agent', '--jobs-root=rel');
    expect(r.code).toBe(1);
    expect(r.err).toContain('name: must be');
    expect(r.err).toContain('host: must be');
    expect(r.err).toContain('jobsRoot: must be an absolute path');
    expect(r.err).toContain('knownHostsPath: give exactly one');
    expect((await cli('list')).out).toBe('');
  });

  it('answers usage errors with exit 2', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('test')).code).toBe(2);
    expect((await cli('remove', 'a', 'b')).code).toBe(2);
    expect((await cli('remove', 'nope')).code).toBe(1);
  });

  it('adds a kubernetes cluster (context, namespace, kubeconfig) and tests it through the API', async () => {
    const fake = await FakeKubeApi.start();
    try {
      fake.put('nodes', {
        metadata: { name: 'gpu-1', labels: { 'kubernetes.io/hostname': 'gpu-1' } },
        status: { allocatable: { cpu: '96', 'nvidia.com/gpu': '8' }, conditions: [{ type: 'Ready', status: 'True' }] },
      });
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(
        kubeconfig,
        `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: { server: "${fake.url}", insecure-skip-tls-verify: true }\nusers:\n- name: u\n  user: { token: test-token }\ncontexts:\n- name: train\n  context: { cluster: c, user: u }\ncurrent-context: train\n`,
      );
      const added = await cli(
        'add',
        'k8s',
        '--kind=kubernetes',
        `--kubeconfig=${kubeconfig}`,
        '--context=train',
        '--namespace=ml',
        '--image=nvcr.io/nvidia/pytorch:24.05-py3',
      );
      expect(added).toMatchObject({ code: 0, err: '' });
      expect(added.out).toContain(
        `k8s  kubernetes  context train  namespace ml  kubeconfig ${kubeconfig}  workload auto`,
      );
      const tested = await cli('test', 'k8s', '--json');
      expect(tested.code).toBe(0);
      expect(JSON.parse(tested.out)).toMatchObject({
        ok: true,
        target: `train@${fake.url}/ml`,
        partitions: [{ name: 'ml', nodes: 1, isDefault: true }],
        nodes: [{ name: 'gpu-1', state: 'idle', gpus: 8, cpus: 96 }],
        gpus: 8,
      });
      fake.token = 'rotated';
      const refused = await cli('test', 'k8s', '--json');
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.out)).toMatchObject({ ok: false, error: 'auth' });
    } finally {
      await fake.close();
    }
  });

  it('refuses a kubernetes entry with a bad namespace, context or missing kubeconfig', async () => {
    const r = await cli(
      'add',
      'k8s',
      '--kind=kubernetes',
      '--namespace=../kube-system',
      '--context=-x',
      `--kubeconfig=${join(dir, 'missing')}`,
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain('namespace: must be');
    expect(r.err).toContain('context: must be');
    expect((await cli('list')).out).toBe('');
    const missing = await cli('add', 'k8s', '--kind=kubernetes', `--kubeconfig=${join(dir, 'missing')}`);
    expect(missing.err).toContain('kubeconfig: the server cannot read this file');
  });

  it("pins the kubeconfig's current context and its API server at add; a kubeconfig moved elsewhere is refused", async () => {
    const fake = await FakeKubeApi.start();
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      const write = (current: string, server: string) =>
        writeFileSync(
          kubeconfig,
          `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: { server: "${server}", insecure-skip-tls-verify: true }\n- name: d\n  cluster: { server: "${fake.url}", insecure-skip-tls-verify: true }\nusers:\n- name: u\n  user: { token: test-token }\ncontexts:\n- name: train\n  context: { cluster: c, user: u }\n- name: other\n  context: { cluster: d, user: u, namespace: elsewhere }\ncurrent-context: ${current}\n`,
        );
      write('train', fake.url);
      const added = await cli('add', 'k8s', '--kind=kubernetes', `--kubeconfig=${kubeconfig}`, '--namespace=ml');
      expect(added).toMatchObject({ code: 0, err: '' });
      expect(added.out).toContain('context train'); // resolved now, not "whatever is current later"
      write('other', fake.url); // another current-context: the entry stays on train
      const tested = await cli('test', 'k8s', '--json');
      expect(JSON.parse(tested.out)).toMatchObject({ ok: true, target: `train@${fake.url}/ml` });
      write('train', 'https://some-other-cluster.example:6443'); // train now names another API server
      const moved = await cli('test', 'k8s', '--json');
      expect(moved.code).toBe(1);
      expect(moved.out).toContain('not at the API server this cluster entry was added for');
    } finally {
      await fake.close();
    }
  });
});
