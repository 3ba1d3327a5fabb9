import { afterEach, beforeEach, expect, it } from 'vitest';
import { kubePodLogApi } from './podLogApi.js';
import { FakeLogServer } from './testing/fakeLogServer.js';

let fake: FakeLogServer;
beforeEach(async () => {
  fake = await new FakeLogServer().start();
});
afterEach(async () => {
  await fake.close();
});

const pod = (index: string, labelled: boolean) => ({
  metadata: {
    name: `tb-run1-${index}-abcde`,
    uid: `u${index}`,
    creationTimestamp: '2026-12-06T22:00:00Z',
    labels: { 'job-name': 'tb-run1', ...(labelled ? { 'batch.kubernetes.io/job-completion-index': index } : {}) },
    annotations: { 'batch.kubernetes.io/job-completion-index': index },
  },
  status: { phase: 'Running', containerStatuses: [{ name: 'trainer', restartCount: 1, state: { running: {} } }] },
});
const target = { namespace: 'ml', workload: 'job' as const, jobName: 'tb-run1', container: 'trainer' };
const signal = new AbortController().signal;

it('finds the leader by the completion-index label, one list', async () => {
  fake.setPods('ml', [pod('1', true), pod('0', true)]);
  const leader = await kubePodLogApi(fake.kubeConfig()).leader(target, signal);
  expect(leader).toEqual({ pod: 'tb-run1-0-abcde', uid: 'u0', restartCount: 1, state: 'running' });
  expect(fake.arrivals).toHaveLength(1);
});

it('before 1.28 (annotation only) lists the Job pods and keeps index 0', async () => {
  fake.setPods('ml', [pod('1', false), pod('0', false)]);
  expect((await kubePodLogApi(fake.kubeConfig()).leader(target, signal))?.pod).toBe('tb-run1-0-abcde');
  expect(fake.arrivals).toHaveLength(2);
  fake.setPods('ml', [pod('1', false)]);
  expect(await kubePodLogApi(fake.kubeConfig()).leader(target, signal)).toBeNull();
});

it('refuses a hostile job name before any request', async () => {
  await expect(kubePodLogApi(fake.kubeConfig()).leader({ ...target, jobName: 'a,b=c' }, signal)).rejects.toThrow(
    /pod name/,
  );
  expect(fake.arrivals).toHaveLength(0);
});
