// An in-memory AuthStore (users, sessions, tokens, login links, audit, settings) for tests of auth, the edge and
// the authorization matrix, and the seam until the SQLite repositories are wired. Same contract as db/.
import type { ApiTokenRow, AuditRow, AuthStore, SessionRecord, UserRow } from '../auth/ports.js';

export function createMemoryAuthStore(): AuthStore & { auditRows: AuditRow[] } {
  const users = new Map<number, UserRow>();
  const sessions = new Map<string, SessionRecord>();
  const tokens = new Map<number, ApiTokenRow & { tokenHash: string }>();
  const links = new Map<string, { userId: number; expiresAt: number; usedAt: number | null }>();
  const auditRows: AuditRow[] = [];
  const settings = new Map<string, string>();
  let ids = 0;
  const publicToken = ({ tokenHash: _h, ...t }: ApiTokenRow & { tokenHash: string }): ApiTokenRow => ({ ...t });

  return {
    auditRows,
    users: {
      insert: (u) => {
        const row: UserRow = { id: ++ids, ...u, disabledAt: null };
        users.set(row.id, row);
        return { ...row };
      },
      byName: (n) => [...users.values()].find((u) => u.username === n),
      byId: (id) => users.get(id),
      list: () => [...users.values()],
      update: (id, patch) => {
        const u = users.get(id);
        if (u) users.set(id, { ...u, ...patch });
      },
      remove: (id) => {
        users.delete(id);
        for (const [k, t] of tokens) if (t.userId === id) tokens.delete(k);
      },
      count: () => users.size,
    },
    sessions: {
      get: (h, now) => {
        const s = sessions.get(h);
        return s && s.expiresAt > now ? s : undefined;
      },
      set: (h, userId, data, expiresAt) => void sessions.set(h, { userId, data, expiresAt }),
      touch: (h, expiresAt) => {
        const s = sessions.get(h);
        if (s) s.expiresAt = expiresAt;
      },
      destroy: (h) => void sessions.delete(h),
      destroyOfUser: (userId) => {
        for (const [k, s] of sessions) if (s.userId === userId) sessions.delete(k);
      },
      purgeExpired: (now) => {
        let n = 0;
        for (const [k, s] of sessions) if (s.expiresAt <= now && sessions.delete(k)) n++;
        return n;
      },
    },
    apiTokens: {
      insert: (t) => {
        const row = { id: ++ids, ...t, lastUsedAt: null, revokedAt: null };
        tokens.set(row.id, row);
        return publicToken(row);
      },
      byHash: (hash, now) => {
        const t = [...tokens.values()].find((x) => x.tokenHash === hash);
        const user = t && users.get(t.userId);
        if (!t || !user || t.revokedAt !== null || (t.expiresAt !== null && t.expiresAt <= now)) return undefined;
        return { token: publicToken(t), user };
      },
      list: (userId) =>
        [...tokens.values()].filter((t) => userId === undefined || t.userId === userId).map(publicToken),
      revoke: (id, now) => {
        const t = tokens.get(id);
        if (t) t.revokedAt = now;
      },
      touchUsed: (id, now) => {
        const t = tokens.get(id);
        if (t) t.lastUsedAt = now;
      },
    },
    loginLinks: {
      insert: (h, userId, expiresAt) => void links.set(h, { userId, expiresAt, usedAt: null }),
      consume: (h, now) => {
        const l = links.get(h);
        if (!l || l.usedAt !== null || l.expiresAt <= now) return undefined;
        l.usedAt = now;
        return l.userId;
      },
    },
    audit: {
      append: (e) => auditRows.push({ id: auditRows.length + 1, ...e }),
      list: (q) =>
        auditRows
          .filter(
            (r) => (q.runId === undefined || r.runId === q.runId) && (q.actor === undefined || r.actorName === q.actor),
          )
          .filter((r) => q.before === undefined || r.id < q.before)
          .slice(-(q.limit ?? 100))
          .reverse(),
    },
    settings: {
      getOrCreate: (key, make) => {
        if (!settings.has(key)) settings.set(key, make());
        return settings.get(key)!;
      },
    },
    // Single-threaded and in memory: a throw leaves partial changes, which tests of rollbacks must not rely on.
    transaction: (fn) => fn(),
  };
}
