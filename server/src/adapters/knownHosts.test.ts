import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { knownHostKeys, revokedHostKeys, sha256Fingerprint, verifyHostKey } from './knownHosts.js';

const blob = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYEXAMPLEKEYEXAMPLEKEYEXAMPLEKEY0', 'base64');
const other = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOTHERKEYOTHERKEYOTHERKEYOTHERKEYOTHERKE0', 'base64');
const b64 = blob.toString('base64');

function hashed(host: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(host).digest('base64')}`;
}

describe('known_hosts', () => {
  it('finds plain, [host]:port, comma-listed and hashed entries; skips comments, @revoked and CA lines', () => {
    const text = [
      '# comment',
      `login1,jean-zay.idris.fr ssh-ed25519 ${b64}`,
      `[127.0.0.1]:2222 ssh-ed25519 ${b64} dev`,
      `${hashed('[10.0.0.5]:2200')} ssh-ed25519 ${b64}`,
      `@revoked jean-zay.idris.fr ssh-ed25519 ${other.toString('base64')}`,
      `@cert-authority *.idris.fr ssh-ed25519 ${other.toString('base64')}`,
    ].join('\n');
    expect(knownHostKeys(text, 'jean-zay.idris.fr', 22)).toEqual([{ keyType: 'ssh-ed25519', keyBase64: b64 }]);
    expect(knownHostKeys(text, '127.0.0.1', 2222)).toHaveLength(1);
    expect(knownHostKeys(text, '127.0.0.1', 22)).toEqual([]);
    expect(knownHostKeys(text, '10.0.0.5', 2200)).toHaveLength(1);
    expect(knownHostKeys(text, 'x.idris.fr', 22)).toEqual([]);
  });

  it('accepts the listed key, refuses a changed or unknown one, and checks pinned fingerprints', () => {
    const keys = [{ keyType: 'ssh-ed25519', keyBase64: b64 }];
    expect(verifyHostKey(blob, { knownHosts: keys }, 'h')).toEqual({ ok: true });
    expect(verifyHostKey(other, { knownHosts: keys }, 'h')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^HOST KEY CHANGED for h/),
    });
    expect(verifyHostKey(blob, { knownHosts: [] }, 'h')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no known_hosts entry/),
    });
    const fp = sha256Fingerprint(blob);
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(verifyHostKey(blob, { fingerprint: fp }, 'h')).toEqual({ ok: true });
    expect(verifyHostKey(blob, { fingerprint: `${fp}=` }, 'h')).toEqual({ ok: true });
    expect(verifyHostKey(other, { fingerprint: fp }, 'h')).toMatchObject({ ok: false });
  });

  it('refuses a key marked @revoked even when another line (or a wildcard host) accepts it', () => {
    const text = [
      `jean-zay.idris.fr ssh-ed25519 ${b64}`,
      `jean-zay.idris.fr ssh-ed25519 ${other.toString('base64')}`,
      `@revoked * ssh-ed25519 ${b64}`,
    ].join('\n');
    const trust = { knownHosts: knownHostKeys(text, 'jean-zay.idris.fr', 22), revoked: revokedHostKeys(text) };
    expect(trust.knownHosts).toHaveLength(2);
    expect(trust.revoked).toEqual([{ keyType: 'ssh-ed25519', keyBase64: b64 }]);
    expect(verifyHostKey(blob, trust, 'h')).toMatchObject({ ok: false, reason: expect.stringMatching(/@revoked/) });
    expect(verifyHostKey(other, trust, 'h')).toEqual({ ok: true });
    expect(verifyHostKey(blob, { fingerprint: sha256Fingerprint(blob), revoked: trust.revoked }, 'h')).toMatchObject({
      ok: false,
    });
  });
});
