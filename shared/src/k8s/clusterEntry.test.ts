import { describe, expect, it } from 'vitest';
import { kubernetesClusterInputSchema, kubernetesSettingsSchema, settingsOf } from './clusterEntry.js';

const base = { name: 'gpu-k8s', kind: 'kubernetes' };

describe('kubernetes cluster entry', () => {
  it('accepts context, namespace, kubeconfig, workload, image and volume; stores them as settings', () => {
    const c = kubernetesClusterInputSchema.parse({
      ...base,
      kubeconfig: '/etc/trainboard/kubeconfig',
      context: 'arn:aws:eks:eu-west-1:123:cluster/train',
      namespace: 'ml',
      workload: 'pytorchjob',
      image: 'nvcr.io/nvidia/pytorch:24.05-py3',
      volumeClaim: 'scratch',
      mountPath: '/scratch',
    });
    const s = settingsOf(c);
    expect(s).toEqual({
      kubeconfig: '/etc/trainboard/kubeconfig',
      context: 'arn:aws:eks:eu-west-1:123:cluster/train',
      server: null,
      namespace: 'ml',
      workload: 'pytorchjob',
      image: 'nvcr.io/nvidia/pytorch:24.05-py3',
      volume: { claimName: 'scratch', mountPath: '/scratch' },
    });
    expect(kubernetesSettingsSchema.parse(s)).toEqual(s);
    expect(settingsOf(kubernetesClusterInputSchema.parse(base))).toMatchObject({
      kubeconfig: null,
      workload: 'auto',
      volume: null,
    });
    // What the kubeconfig resolved at `cluster add` (its current context then, and that context's server) is kept.
    const resolved = settingsOf(kubernetesClusterInputSchema.parse(base), {
      context: 'kind-kind',
      server: 'https://127.0.0.1:6443',
    });
    expect(resolved).toMatchObject({ context: 'kind-kind', server: 'https://127.0.0.1:6443' });
    expect(kubernetesSettingsSchema.parse(resolved)).toEqual(resolved);
  });

  it('refuses hostile or malformed values', () => {
    const bad: Record<string, unknown>[] = [
      { namespace: '../kube-system' },
      { namespace: 'ML' },
      { context: '-o=x' },
      { context: 'a b' },
      { context: 'ctx\n' },
      { kubeconfig: 'relative/path' },
      { kubeconfig: '/a/../etc/shadow' },
      { image: 'x;rm -rf /' },
      { image: 'a\nb' },
      { workload: 'deployment' },
      { volumeClaim: 'scratch' },
      { name: 'local' },
      { name: 'Bad_Name' },
      { extra: 1 },
    ];
    for (const b of bad)
      expect(kubernetesClusterInputSchema.safeParse({ ...base, ...b }).success, JSON.stringify(b)).toBe(false);
  });
});
