import { describe, expect, it } from 'vitest';
import { LocalShell } from '../adapters/localShell.js';
import { SshShell } from '../adapters/sshShell.js';
import { NoShell } from '../adapters/kubernetes/noShell.js';
import type { ClusterHandle } from '../clusters/types.js';
import type { RemoteFiles } from './remoteFiles.js';
import { filesForRuns } from './runFiles.js';

const handleWith = (shell: ClusterHandle['shell'], runFolderAccess?: boolean) =>
  ({ shell, backend: { runFolderAccess } }) as ClusterHandle;
const fallback = { marker: 'fallback' } as unknown as RemoteFiles;

describe('filesForRuns()', () => {
  const ssh = handleWith(new SshShell({ host: '127.0.0.1', port: 1, username: 'nobody', hostFingerprint: 'x' }));
  const local = handleWith(new LocalShell());
  const kube = handleWith(new NoShell('kubernetes'), false);
  const handles = new Map<number, ClusterHandle>([
    [1, ssh],
    [2, local],
    [3, kube],
  ]);
  const clusterOf = new Map<number, number | null>([
    [10, 1],
    [11, 1],
    [20, 2],
    [30, null],
    [40, 9],
    [50, 3],
  ]);
  const filesForRun = filesForRuns({
    clusterOfRun: (runId) => clusterOf.get(runId) ?? null,
    handle: (id) => {
      const h = handles.get(id);
      if (!h) throw new Error('unknown cluster');
      return h;
    },
    fallback,
  });

  it('reads a run of a cluster through that cluster, one set of files per cluster', () => {
    const a = filesForRun(10);
    expect(a).not.toBeNull();
    expect(a).not.toBe(fallback);
    expect(filesForRun(11)).toBe(a);
    expect(filesForRun(20)).not.toBe(a);
  });

  it('reads a run of no cluster through the fallback, and a run of an unknown cluster through nothing', () => {
    expect(filesForRun(30)).toBe(fallback);
    expect(filesForRun(40)).toBeNull();
  });

  it('reads nothing of a kubernetes run as a file (its logs are pod log streams; never this machine’s files)', () => {
    expect(filesForRun(50)).toBeNull();
  });

  it('gives a changed cluster (a new handle) new files', () => {
    const before = filesForRun(10);
    handles.set(1, handleWith(new SshShell({ host: '127.0.0.1', port: 1, username: 'nobody', hostFingerprint: 'x' })));
    expect(filesForRun(10)).not.toBe(before);
  });
});
