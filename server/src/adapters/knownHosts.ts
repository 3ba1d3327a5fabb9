// Host key checking for the SSH transport: OpenSSH known_hosts entries (plain, `[host]:port`, hashed `|1|`,
// wildcards are not supported and never match) or a pinned `SHA256:` fingerprint as `ssh-keygen -lf` prints it.
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostKey {
  keyType: string;
  /** The public key blob, base64 as in the file. */
  keyBase64: string;
}

/** `SHA256:<base64 without padding>` of a raw public key blob, as OpenSSH prints fingerprints. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function hostMatches(field: string, wanted: string): boolean {
  for (const name of field.split(',')) {
    if (name.startsWith('|1|')) {
      const [, , salt = '', hash = ''] = name.split('|');
      const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(wanted).digest('base64');
      if (mac === hash) return true;
    } else if (name === wanted) {
      return true;
    }
  }
  return false;
}

/** The keys known_hosts text trusts for host:port (comments skipped; `@revoked` lines are read by revokedHostKeys). */
export function knownHostKeys(text: string, host: string, port: number): KnownHostKey[] {
  const wanted = hostPattern(host, port);
  const keys: KnownHostKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@revoked')) continue;
    const fields = line.replace(/^@cert-authority\s+/, '').split(/\s+/);
    const [hosts = '', keyType = '', keyBase64 = ''] = fields;
    if (line.startsWith('@cert-authority')) continue; // certificates are not supported: never trust by CA
    if (keyType && keyBase64 && hostMatches(hosts, wanted)) keys.push({ keyType, keyBase64 });
  }
  return keys;
}

/**
 * The keys known_hosts marks `@revoked`, whatever host field the line has: OpenSSH says such a key "must not ever be
 * accepted", and the host field may be a wildcard this module does not match, so matching it would let a revoked key
 * through. A revoked key is refused even when another line lists it as trusted.
 */
export function revokedHostKeys(text: string): KnownHostKey[] {
  const keys: KnownHostKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('@revoked')) continue;
    const [, , keyType = '', keyBase64 = ''] = line.split(/\s+/);
    if (keyType && keyBase64) keys.push({ keyType, keyBase64 });
  }
  return keys;
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: string };

/** Checks the key the server presented against the trusted keys or the pinned fingerprint. */
export function verifyHostKey(
  presented: Buffer,
  trust: { knownHosts?: KnownHostKey[]; revoked?: KnownHostKey[]; fingerprint?: string },
  label: string,
): HostKeyVerdict {
  const got = sha256Fingerprint(presented);
  // Checked first: a revoked key stays refused even if pinned or listed again on another line.
  if ((trust.revoked ?? []).some((k) => Buffer.from(k.keyBase64, 'base64').equals(presented))) {
    return { ok: false, reason: `host key of ${label} (${got}) is marked @revoked in known_hosts` };
  }
  if (trust.fingerprint !== undefined) {
    return trust.fingerprint.replace(/=+$/, '') === got
      ? { ok: true }
      : { ok: false, reason: `host key of ${label} is ${got}, not the pinned ${trust.fingerprint}` };
  }
  const keys = trust.knownHosts ?? [];
  if (keys.length === 0)
    return { ok: false, reason: `no known_hosts entry for ${label}; refusing to trust an unknown host key (${got})` };
  if (keys.some((k) => Buffer.from(k.keyBase64, 'base64').equals(presented))) return { ok: true };
  return { ok: false, reason: `HOST KEY CHANGED for ${label}: it presented ${got}, which known_hosts does not list` };
}
