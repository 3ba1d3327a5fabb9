// What `scripts/dev-cluster up` wrote to cluster.json: where its sshd listens, the test user, the key and
// known_hosts paths (never the key itself), the partition and the fake trainer's copy. Read with zod: a file from
// another program is a boundary.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { SshShellOptions } from '../adapters/sshShell.js';

const absolute = z.string().regex(/^\//, 'must be an absolute path');

export const DevClusterSchema = z.object({
  ssh: z.object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    user: z.string().regex(/^[a-z_][a-z0-9_.-]*$/i, 'not a valid user name'),
    privateKeyPath: absolute,
    knownHostsPath: absolute,
  }),
  jobsDir: absolute,
  partition: z.string().min(1),
  fakeTrainer: absolute,
});
export type DevCluster = z.infer<typeof DevClusterSchema>;

/** @throws with the command to run when the file is missing, or with the fields that are wrong. */
export function readDevCluster(file: string): DevCluster {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`the dev cluster is not up (cannot read ${file}): run scripts/dev-cluster up`);
  }
  const parsed = DevClusterSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function devClusterSsh(c: DevCluster): SshShellOptions {
  return {
    host: c.ssh.host,
    port: c.ssh.port,
    username: c.ssh.user,
    privateKeyPath: c.ssh.privateKeyPath,
    knownHostsPath: c.ssh.knownHostsPath,
    // A dead connection must be noticed in seconds, not when TCP gives up (as the server does).
    keepaliveIntervalMs: 2_000,
    keepaliveCountMax: 3,
    connectTimeoutMs: 10_000,
    commandTimeoutMs: 30_000,
  };
}
