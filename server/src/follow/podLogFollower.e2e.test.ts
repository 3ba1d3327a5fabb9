// The pod log follower against a REAL cluster (kind, k3d or a real one), only with TRAINBOARD_K8S_E2E=1: it checks
// the fake's assumptions (sinceTime cut to whole seconds, inclusive; many lines in one second) against a kubelet.
// A pod prints 3000 iteration lines as fast as it can; the follower's requests are cut client-side at random, and
// every iteration must be stored exactly once. Uses the current context of $KUBECONFIG (or ~/.kube/config), the
// namespace $TRAINBOARD_K8S_NAMESPACE (default `default`) and the image $TRAINBOARD_K8S_E2E_IMAGE (busybox).
// Not run here: no cluster can run on this machine.
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { PodLogApi } from '../adapters/kubernetes/podLogApi.js';
import { kubePodLogApi } from '../adapters/kubernetes/podLogApi.js';
import { openDatabase } from '../db/client.js';
import { loadSource } from './followedSources.js';
import { startPodLogFollower } from './podLogFollower.js';
import { loadPodLogCursor } from './podLogReader.js';
import { registerPodLogSource } from './podLogSources.js';

const enabled = process.env.TRAINBOARD_K8S_E2E === '1';
const namespace = process.env.TRAINBOARD_K8S_NAMESPACE ?? 'default';
const image = process.env.TRAINBOARD_K8S_E2E_IMAGE ?? 'busybox:1.36';
const job = `tb-e2e-log-${Date.now().toString(36)}`;
const LINES = 3000;

/** Cuts every request after a random number of chunks: drops the kubelet never saw, resumed by sinceTime. */
function cutting(inner: PodLogApi): PodLogApi {
  return {
    leader: (t, s) => inner.leader(t, s),
    async stream(req, onChunk, signal) {
      const cut = new AbortController();
      const onOuter = () => cut.abort();
      signal.addEventListener('abort', onOuter);
      let left = 1 + Math.floor(Math.random() * 8);
      try {
        await inner.stream(req, (c) => (onChunk(c), --left === 0 && cut.abort()), cut.signal);
      } finally {
        signal.removeEventListener('abort', onOuter);
      }
    },
  };
}

describe.skipIf(!enabled)('pod log follower on a real cluster (TRAINBOARD_K8S_E2E=1)', () => {
  const kc = new k8s.KubeConfig();
  if (enabled) kc.loadFromDefault();
  const core = enabled ? kc.makeApiClient(k8s.CoreV1Api) : null;
  afterAll(async () => {
    await core?.deleteNamespacedPod({ name: `${job}-0`, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  });

  it('stores every line of a fast-printing pod exactly once across client-side drops', async () => {
    const script = `i=1; while [ $i -le ${LINES} ]; do echo "[default0]: iteration $i/ ${LINES} | lm loss: 2.5E+00 |"; i=$((i+1)); done; sleep 2`;
    await core?.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name: `${job}-0`,
          labels: { 'job-name': job, 'batch.kubernetes.io/job-completion-index': '0' },
        },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'trainer', image, command: ['sh', '-c', script] }],
        },
      },
    });
    const conn = openDatabase(':memory:');
    const source = registerPodLogSource(conn.db, 'e2e', {
      namespace,
      workload: 'job',
      jobName: job,
      container: 'trainer',
    });
    const follower = startPodLogFollower(
      {
        conn,
        api: cutting(kubePodLogApi(kc, 30_000)),
        logger: pino({ level: 'silent' }),
        onCommitted: () => undefined,
        timing: { pollMs: 500, backoffMinMs: 50, backoffMaxMs: 1_000 },
      },
      loadSource(conn.db, source.id) as NonNullable<ReturnType<typeof loadSource>>,
    );
    const deadline = Date.now() + 240_000;
    while (!loadPodLogCursor(conn, source.id).ended && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
    await follower.stop();
    const got = (
      conn.sqlite
        .prepare('SELECT iteration FROM iterations WHERE log_source_id = ? ORDER BY byte_offset')
        .all(source.id) as {
        iteration: number;
      }[]
    ).map((r) => r.iteration);
    conn.close();
    expect(got).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
  }, 300_000);
});
