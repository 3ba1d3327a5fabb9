// A valid PublicSnapshot for tests of the public page's renderers, routes, namespace and benches.
import { PublicSnapshotSchema, type PublicSnapshot } from '../public/snapshot.js';

export function samplePublicSnapshot(overrides: Partial<PublicSnapshot> = {}): PublicSnapshot {
  const train: [number, number][] = [];
  for (let it = 10; it <= 1200; it += 10) train.push([it, 11 - 8 * (1 - Math.exp(-it / 300))]);
  const base: PublicSnapshot = {
    v: 1,
    slug: 'bloom-demo',
    title: 'BLOOM demo run',
    description: 'A 350M-parameter demo of the BLOOM recipe.',
    state: 'training',
    progress: {
      iteration: 1200,
      iterationTarget: 5000,
      tokensSeen: 1200 * 2048 * 512,
      tokenTarget: 5000 * 2048 * 512,
      fraction: 0.24,
      etaAt: '2026-12-07T06:00:00.000Z',
    },
    validation: {
      current: { iteration: 1000, loss: 3.4, perplexity: Math.exp(3.4) },
      best: { iteration: 1000, loss: 3.4, perplexity: Math.exp(3.4) },
    },
    loss: {
      train,
      validation: [
        [500, 4.1],
        [1000, 3.4],
      ],
    },
    throughput: { tokensPerSecond: 52_000, tflopsPerGpu: 148.2 },
    time: { startedAt: '2026-12-06T10:00:00.000Z', trainedSeconds: 7 * 3600, uptime: 0.93 },
    timeline: [
      { at: '2026-12-06T10:00:00.000Z', kind: 'started', iteration: 0, text: 'Training started' },
      {
        at: '2026-12-06T14:00:00.000Z',
        kind: 'hardware_failure',
        iteration: 700,
        text: 'Stopped by a hardware failure at iteration 700',
      },
      {
        at: '2026-12-06T14:05:00.000Z',
        kind: 'restarted',
        iteration: 600,
        text: 'Restarted after a hardware failure, from the checkpoint at iteration 600',
      },
    ],
    updatedAt: '2026-12-06T17:00:00.000Z',
  };
  return PublicSnapshotSchema.parse({ ...base, ...overrides });
}
