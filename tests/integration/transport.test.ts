// The SSH transport against the real sshd: reuse, reconnect, and a clear error for every way trust can fail.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalShell } from '../../server/src/adapters/localShell.js';
import { ShellError } from '../../server/src/adapters/shell.js';
import { SshShell } from '../../server/src/adapters/sshShell.js';
import { devCluster, sleep, sshOptions } from './cluster.js';
import { descendants } from './processes.js';

const c = devCluster();

const tmp = mkdtempSync(join(tmpdir(), 'transport-'));

async function shellError(p: Promise<unknown>): Promise<ShellError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof ShellError)) throw new Error(`expected a ShellError, got ${String(e)}`);
  return e;
}

describe('SSH transport (real sshd)', () => {
  it('runs many commands over one connection, with stdin, exit codes and both streams', async () => {
    const shell = new SshShell(sshOptions(c));
    try {
      const who = await shell.exec(['id', '-un']);
      expect(who).toMatchObject({ stdout: `${c.ssh.user}\n`, code: 0 });
      const cat = await shell.exec(['cat'], { stdin: 'line 1\nline 2\n' });
      expect(cat.stdout).toBe('line 1\nline 2\n');
      const fail = await shell.exec(['sh', '-c', 'echo oops >&2; exit 3']);
      expect(fail).toMatchObject({ code: 3, stderr: 'oops\n' });
      await Promise.all(Array.from({ length: 8 }, (_, i) => shell.exec(['echo', String(i)])));
      expect(shell.connectionsOpened).toBe(1);
    } finally {
      await shell.close();
    }
  });

  it('authenticates through an ssh-agent holding the key', async () => {
    const sock = join(tmp, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let t = 0; t < 50 && !existsSync(sock); t++) await sleep(20);
      execFileSync('ssh-add', ['-q', c.ssh.privateKeyPath], {
        env: { ...process.env, SSH_AUTH_SOCK: sock },
        stdio: 'pipe',
      });
      const shell = new SshShell(sshOptions(c, { privateKeyPath: undefined, agentSocket: sock }));
      expect((await shell.exec(['id', '-un'])).stdout).toBe(`${c.ssh.user}\n`);
      await shell.close();
    } finally {
      agent.kill();
    }
  });

  it('accepts a pinned SHA256 fingerprint and rejects a wrong one', async () => {
    const good = new SshShell(sshOptions(c, { knownHostsPath: undefined, hostFingerprint: c.ssh.hostFingerprint }));
    expect((await good.exec(['true'])).code).toBe(0);
    await good.close();
    const bad = new SshShell(
      sshOptions(c, {
        knownHostsPath: undefined,
        hostFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      }),
    );
    const e = await shellError(bad.exec(['true']));
    expect(e.kind).toBe('host_key');
    expect(e.message).toMatch(/not the pinned SHA256:A+/);
  });

  it('refuses a changed host key (known_hosts lists another key for this host)', async () => {
    const other = readFileSync(c.ssh.privateKeyPath.replace(/id_ed25519$/, 'id_ed25519.pub'), 'utf8').split(' ');
    const kh = join(tmp, 'known_hosts_changed');
    writeFileSync(kh, `[${c.ssh.host}]:${c.ssh.port} ${other[0]} ${other[1]}\n`);
    const e = await shellError(new SshShell(sshOptions(c, { knownHostsPath: kh })).exec(['true']));
    expect(e.kind).toBe('host_key');
    expect(e.message).toMatch(/HOST KEY CHANGED for slurmci@127\.0\.0\.1:\d+: it presented SHA256:/);
  });

  it('refuses an unknown host (no known_hosts entry): no trust on first use', async () => {
    const kh = join(tmp, 'known_hosts_empty');
    writeFileSync(kh, '# nothing\n');
    const e = await shellError(new SshShell(sshOptions(c, { knownHostsPath: kh })).exec(['true']));
    expect(e.kind).toBe('host_key');
    expect(e.message).toMatch(/no known_hosts entry/);
  });

  it('reports a wrong key as an authentication failure, without the key in the message', async () => {
    const wrong = join(tmp, 'wrong_key');
    // A freshly generated key the server does not know.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const e = await shellError(new SshShell(sshOptions(c, { privateKeyPath: wrong })).exec(['true']));
    expect(e.kind).toBe('auth');
    expect(e.message).toMatch(/refused our key/);
    expect(e.message).not.toMatch(/PRIVATE KEY/);
  });

  describe('with its own sshd that the test stops and restarts', () => {
    const port = c.ssh.port + 50;
    let sshd: ChildProcess | null = null;
    const startSshd = async () => {
      sshd = spawn(
        '/usr/sbin/sshd',
        ['-D', '-e', '-f', join(c.dir, 'ssh', 'sshd_config'), '-o', `Port=${port}`, '-o', 'PidFile=none'],
        { stdio: 'ignore' },
      );
      await sleep(300);
    };
    /** Stops our sshd and, when asked, the per-connection sshd processes it forked (by pid, nothing else). */
    const stopSshd = async (sessionsToo = false) => {
      if (!sshd?.pid) return;
      const sessions = sessionsToo ? descendants(sshd.pid) : [];
      const exited = new Promise((r) => sshd!.once('exit', r));
      sshd.kill('SIGTERM');
      await exited;
      sshd = null;
      for (const pid of sessions) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    const kh = join(tmp, 'known_hosts_alt');
    beforeAll(async () => {
      const key = readFileSync(c.ssh.knownHostsPath, 'utf8').trim().split(' ').slice(1).join(' ');
      writeFileSync(kh, `[${c.ssh.host}]:${port} ${key}\n`);
      await startSshd();
    });
    afterAll(() => stopSshd(true));

    it('notices a half-dead connection through keepalives instead of waiting for the command timeout', async () => {
      const shell = new SshShell(
        sshOptions(c, {
          port,
          knownHostsPath: kh,
          keepaliveIntervalMs: 300,
          keepaliveCountMax: 2,
          commandTimeoutMs: 20_000,
        }),
      );
      const sessions = () => descendants(sshd!.pid!);
      try {
        expect((await shell.exec(['echo', 'alive'])).stdout).toBe('alive\n');
        const frozen = sessions();
        expect(frozen.length).toBeGreaterThan(0);
        for (const pid of frozen) process.kill(pid, 'SIGSTOP'); // a hung login node: TCP open, nobody answers
        const started = Date.now();
        const e = await shellError(shell.exec(['echo', 'never']));
        expect(e.kind).toBe('closed');
        expect(Date.now() - started).toBeLessThan(5_000);
        for (const pid of frozen) process.kill(pid, 'SIGKILL');
        expect((await shell.exec(['echo', 'again'])).stdout).toBe('again\n');
        expect(shell.connectionsOpened).toBe(2);
      } finally {
        await shell.close();
      }
    });

    it('says clearly that nothing listens when sshd is stopped, and reconnects once it is back', async () => {
      const shell = new SshShell(
        sshOptions(c, { port, knownHostsPath: kh, keepaliveIntervalMs: 500, keepaliveCountMax: 2 }),
      );
      try {
        expect((await shell.exec(['echo', 'before'])).stdout).toBe('before\n');
        // A stopped listener leaves open sessions alive; stop ours too, as a crashed login node would.
        await stopSshd(true);
        await sleep(300);
        const e = await shellError(shell.exec(['true']));
        expect(e.kind).toBe('connect');
        expect(e.message).toMatch(new RegExp(`cannot connect to slurmci@127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
        await startSshd();
        expect((await shell.exec(['echo', 'after'])).stdout).toBe('after\n');
        expect(shell.connectionsOpened).toBe(2);
      } finally {
        await shell.close();
      }
    });
  });
});

describe('local transport', () => {
  it('runs argv without a shell', async () => {
    const local = new LocalShell();
    const r = await local.exec(['printf', '%s|', '$(id)', '; echo no', '`x`']);
    expect(r.stdout).toBe('$(id)|; echo no|`x`|');
    const e = await shellError(local.exec(['/nonexistent/program']));
    expect(e.kind).toBe('spawn');
    await expect(local.exec(['sleep', '5'], { timeoutMs: 200 })).rejects.toThrow(/did not finish within 200 ms/);
  });
});
