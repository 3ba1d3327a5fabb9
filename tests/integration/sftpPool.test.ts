// The SFTP channel pool against a real sshd: many concurrent log reads (as /log requests make them) share a few
// channels on one connection, and a server that refuses channels (MaxSessions) never makes the transport open
// more connections or leave any behind.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShellError } from '../../server/src/adapters/shell.js';
import { SshShell } from '../../server/src/adapters/sshShell.js';
import { sshRemoteFiles } from '../../server/src/follow/remoteFiles.js';
import { readRange } from '../../server/src/routes/logSource.js';
import { devCluster, sshOptions } from './cluster.js';
import { PrivateSshd, remoteDir, until } from './followHarness.js';

const c = devCluster();
const dir = remoteDir(c, 'sftp-pool-test');
const path = join(dir, 'log.txt');
const bytes = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}\n`).join(''));
writeFileSync(path, bytes);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Direct children of the listening sshd: one per open SSH connection. */
function connectionsOf(pid: number | undefined): number {
  if (!pid) return 0;
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) n++;
    } catch {
      // exited meanwhile
    }
  }
  return n;
}

/**
 * `waves` rounds of `perWave` concurrent reads of a window each (open, size, read, close: what a /log request does),
 * checking every answer against the file, while sampling the sshd's connections and the pool's channels.
 */
async function readConcurrently(sshd: PrivateSshd, shell: SshShell, waves: number, perWave: number) {
  const files = sshRemoteFiles(shell, 10_000);
  const seen = { connections: 0, channels: 0 };
  const sampler = setInterval(() => {
    seen.connections = Math.max(seen.connections, connectionsOf(sshd.pid));
    seen.channels = Math.max(seen.channels, shell.sftpStats().channels);
  }, 10);
  let reads = 0;
  try {
    for (let w = 0; w < waves; w++) {
      await Promise.all(
        Array.from({ length: perWave }, async (_, i) => {
          const offset = ((w * perWave + i) * 7919) % (bytes.length - 65_536);
          const file = await files.open(path);
          try {
            expect(await file.size()).toBe(bytes.length);
            expect((await readRange(file, offset, 65_536)).equals(bytes.subarray(offset, offset + 65_536))).toBe(true);
            reads++;
          } finally {
            await file.close();
          }
        }),
      );
    }
  } finally {
    clearInterval(sampler);
  }
  return { reads, ...seen };
}

describe('SFTP channel pool on a real sshd', () => {
  it('serves hundreds of concurrent reads over one connection and at most maxChannels channels', async () => {
    const sshd = new PrivateSshd(c, c.ssh.port + 62, dir, ['MaxSessions=10']);
    await sshd.start();
    const shell = new SshShell(
      sshOptions(c, { port: sshd.port, knownHostsPath: sshd.knownHostsPath, sftpPool: { maxChannels: 4 } }),
    );
    try {
      const r = await readConcurrently(sshd, shell, 5, 60);
      expect(r.reads).toBe(300);
      expect(shell.connectionsOpened).toBe(1);
      expect(r.connections).toBe(1);
      expect(r.channels).toBeGreaterThanOrEqual(1);
      expect(r.channels).toBeLessThanOrEqual(4);
      await shell.close();
      await until('the connection to be closed on the server', () => connectionsOf(sshd.pid) === 0, 10_000, 20);
    } finally {
      await shell.close();
      await sshd.stop();
    }
  });

  it('shares the channels it got when the server refuses more (MaxSessions), without opening or leaving connections', async () => {
    const sshd = new PrivateSshd(c, c.ssh.port + 62, dir, ['MaxSessions=2']);
    await sshd.start();
    const shell = new SshShell(
      sshOptions(c, { port: sshd.port, knownHostsPath: sshd.knownHostsPath, sftpPool: { maxChannels: 4 } }),
    );
    try {
      const r = await readConcurrently(sshd, shell, 5, 60);
      expect(r.reads).toBe(300);
      expect(shell.connectionsOpened).toBe(1);
      expect(r.connections).toBe(1);
      expect(r.channels).toBe(2);
      await shell.close();
      await until('the connection to be closed on the server', () => connectionsOf(sshd.pid) === 0, 10_000, 20);
    } finally {
      await shell.close();
      await sshd.stop();
    }
  });
});

describe('a dropped SSH connection', () => {
  it('fails the running command and every SFTP request at once, then reconnects', async () => {
    const sshd = new PrivateSshd(c, c.ssh.port + 62, dir);
    await sshd.start();
    // Timeouts far beyond the test's own: a request left waiting on the dead connection fails the test by hanging.
    const shell = new SshShell(
      sshOptions(c, {
        port: sshd.port,
        knownHostsPath: sshd.knownHostsPath,
        commandTimeoutMs: 600_000,
        keepaliveIntervalMs: 600_000,
      }),
    );
    const files = sshRemoteFiles(shell, 600_000);
    try {
      const file = await files.open(path);
      expect(await file.size()).toBe(bytes.length);
      const running = shell.exec(['sleep', '60']).then(
        () => null,
        (e: unknown) => e,
      );
      await until(
        'the command to start',
        () => connectionsOf(sshd.pid) === 1 && shell.sftpStats().leases === 1,
        10_000,
        20,
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(sshd.killSessions()).toBeGreaterThan(0);
      const err = await running;
      expect(err).toBeInstanceOf(ShellError);
      expect((err as ShellError).kind).toBe('closed');
      // A request on the channel of the dead connection: ssh2 alone would store it and never answer.
      await expect(file.size()).rejects.toMatchObject({ kind: 'closed' });
      await expect(file.read(0, 100)).rejects.toMatchObject({ kind: 'closed' });
      await file.close();
      const again = await files.open(path);
      expect((await again.read(0, 10)).equals(bytes.subarray(0, 10))).toBe(true);
      await again.close();
      expect(shell.connectionsOpened).toBe(2);
    } finally {
      await shell.close();
      await sshd.stop();
    }
  }, 60_000);
});
