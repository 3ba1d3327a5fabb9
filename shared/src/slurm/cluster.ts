// What a cluster row may contain, checked before it is stored: every field later reaches ssh2's connect options,
// an argv, or a remote shell (quoted), so each has a strict pattern. A value that could read as an option
// (`-oProxyCommand=…`) or carry a second command (`c1;touch x`) never matches.
import { z } from 'zod';
import { ACCOUNT, NAME } from './submit.js';

export const CLUSTER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** A DNS name, an IPv4 address, or an IPv6 address without brackets; never starts with `-`. */
export const SSH_HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|[0-9A-Fa-f:]{2,39})$/;
/** A POSIX login name. */
export const SSH_USER = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;
/** `SHA256:<43 base64 chars>` as `ssh-keygen -lf` prints it (trailing `=` tolerated). */
export const HOST_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;
/** A file in slurm-templates/profiles/ (without the folder; `.yaml` optional). */
export const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}(?:\.ya?ml)?$/;
export const CLUSTER_TEMPLATES = ['megatron-deepspeed', 'fake-trainer'] as const;

const re = (r: RegExp, what: string) => z.string().regex(r, { message: `must be ${what}` });

/** Absolute, printable, no `..` segment: passed to ssh2 or as one quoted word, never parsed by a shell. */
export const absolutePath = z
  .string()
  .min(2)
  .max(4096)
  .refine((s) => s.startsWith('/'), { message: 'must be an absolute path' })
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
    message: 'must not contain control characters (newline, tab, NUL…)',
  })
  .refine((s) => !s.split('/').includes('..'), { message: 'must not contain `..`' });

/** Every cluster entry's name, whatever its kind (`local` names the local executor). */
export const clusterNameField = re(
  CLUSTER_NAME,
  'lower-case letters, digits and `-`, starting with a letter (max 32)',
).refine((n) => n !== 'local', { message: 'is reserved for the local executor' });

/** What every cluster entry says about the run scripts it renders (checked by requireFakeTrainerPath). */
export const runScriptFields = {
  profile: re(PROFILE_NAME, 'a profile file name from slurm-templates/profiles').optional(),
  template: z.enum(CLUSTER_TEMPLATES).default('megatron-deepspeed'),
  fakeTrainerPath: absolutePath.optional(),
};

/** The fake-trainer template runs the fake trainer: an entry that picks it must say where that is. */
export function requireFakeTrainerPath(
  c: { template: string; fakeTrainerPath?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (c.template === 'fake-trainer' && !c.fakeTrainerPath)
    ctx.addIssue({
      code: 'custom',
      path: ['fakeTrainerPath'],
      message: 'is required with the fake-trainer template',
    });
}

export const clusterInputSchema = z
  .strictObject({
    name: clusterNameField,
    kind: z.literal('slurm'),
    host: re(SSH_HOST, 'a host name or an IP address'),
    port: z.int().min(1).max(65_535).default(22),
    user: re(SSH_USER, 'a login name: letters, digits, `.`, `_`, `-`'),
    auth: z.enum(['key', 'agent']),
    privateKeyPath: absolutePath.optional(),
    agentSocket: absolutePath.optional(),
    knownHostsPath: absolutePath.optional(),
    hostFingerprint: re(HOST_FINGERPRINT, 'a fingerprint such as SHA256:… (ssh-keygen -lf)').optional(),
    jobsRoot: absolutePath,
    defaultPartition: re(NAME, 'a partition name: letters, digits, `.`, `_`, `-`').optional(),
    defaultAccount: re(ACCOUNT, 'an account: letters, digits, `.`, `_`, `-`, `@`').optional(),
    defaultQos: re(NAME, 'a QoS name: letters, digits, `.`, `_`, `-`').optional(),
    ...runScriptFields,
  })
  .superRefine((c, ctx) => {
    if (c.auth === 'key' && !c.privateKeyPath)
      ctx.addIssue({ code: 'custom', path: ['privateKeyPath'], message: 'is required with auth "key"' });
    if (c.auth === 'agent' && c.privateKeyPath)
      ctx.addIssue({ code: 'custom', path: ['privateKeyPath'], message: 'must not be set with auth "agent"' });
    if ((c.knownHostsPath === undefined) === (c.hostFingerprint === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['knownHostsPath'],
        message: 'give exactly one of a known_hosts file or a pinned host fingerprint',
      });
    requireFakeTrainerPath(c, ctx);
  });
export type ClusterInput = z.infer<typeof clusterInputSchema>;
export type ClusterInputDraft = z.input<typeof clusterInputSchema>;
