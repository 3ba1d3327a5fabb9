// Users: add, list, change role, disable, remove. The last enabled admin can be neither demoted, disabled nor
// removed (409), so an install never locks itself out. Every change and its audit row commit together.
import type { Role } from '@trainboard/shared/auth/roles';
import { HttpError } from '../routes/errors.js';
import { actorFields, type AuditActor } from './auth.service.js';
import { hashPassword } from './passwords.js';
import type { AuthStore, PublicUser } from './ports.js';

export interface UserDto {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
}

export const userDto = (u: PublicUser): UserDto => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabledAt !== null,
});

/** 409 when `user` is the only enabled admin: an install never locks itself out. */
function refuseIfLastAdmin(store: AuthStore, user: PublicUser): void {
  if (user.role === 'admin' && user.disabledAt === null && store.users.countActiveAdmins() <= 1)
    throw new HttpError(409, 'last_admin', 'the last admin cannot be demoted, disabled or removed');
}

export type UsersService = ReturnType<typeof createUsersService>;

export function createUsersService(deps: {
  store: AuthStore;
  now?: () => number;
  onAccessChanged?: (userId: number) => void;
}) {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const audit = (actor: AuditActor, action: string, user: PublicUser | string, details?: Record<string, unknown>) =>
    store.audit.append({
      atMs: now(),
      ...actorFields(actor),
      action,
      targetKind: 'user',
      targetId: typeof user === 'string' ? user : user.username,
      result: 'ok',
      details: details ?? null,
    });

  const existing = (id: number): PublicUser => {
    const user = store.users.byId(id);
    if (!user) throw new HttpError(404, 'not_found', 'no such user');
    return user;
  };

  const refuseLastAdmin = (user: PublicUser) => refuseIfLastAdmin(store, user);

  return {
    list: (): UserDto[] => store.users.list().map(userDto),

    async add(username: string, password: string, role: Role, actor: AuditActor): Promise<UserDto> {
      const passwordHash = await hashPassword(password);
      return store.transaction(() => {
        if (store.users.byName(username)) throw new HttpError(409, 'user_exists', 'a user with this name exists');
        const user = store.users.insert({ username, passwordHash, role });
        audit(actor, 'user.add', user, { role });
        return userDto(user);
      });
    },

    async setPassword(id: number, password: string, actor: AuditActor): Promise<void> {
      const passwordHash = await hashPassword(password);
      store.transaction(() => {
        const user = existing(id);
        store.users.update(id, { passwordHash });
        audit(actor, 'user.set_password', user);
      });
      deps.onAccessChanged?.(id);
    },

    setRole(id: number, role: Role, actor: AuditActor): UserDto {
      const updated = store.transaction(() => {
        const user = existing(id);
        if (role !== 'admin') refuseLastAdmin(user);
        store.users.update(id, { role });
        audit(actor, 'user.set_role', user, { from: user.role, to: role });
        return { ...user, role };
      });
      deps.onAccessChanged?.(id);
      return userDto(updated);
    },

    setDisabled(id: number, disabled: boolean, actor: AuditActor): UserDto {
      const updated = store.transaction(() => {
        const user = existing(id);
        if (disabled) refuseLastAdmin(user);
        const disabledAt = disabled ? now() : null;
        store.users.update(id, { disabledAt });
        if (disabled) store.sessions.destroyOfUser(id);
        audit(actor, disabled ? 'user.disable' : 'user.enable', user);
        return { ...user, disabledAt };
      });
      deps.onAccessChanged?.(id);
      return userDto(updated);
    },

    remove(id: number, actor: AuditActor): void {
      store.transaction(() => {
        const user = existing(id);
        refuseLastAdmin(user);
        store.sessions.destroyOfUser(id);
        store.users.remove(id);
        audit(actor, 'user.remove', user);
      });
      deps.onAccessChanged?.(id);
    },
  };
}
