// Who is asking: the signed-in user (cookie session) or an API token's user. Anonymous requests have no actor.
import type { Role } from '@trainboard/shared/auth/roles';

export interface Actor {
  kind: 'user' | 'token';
  userId: number;
  name: string;
  /** Effective role: for a token, min(token role, the user's role now). */
  role: Role;
  tokenId?: number;
  requestId: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by authenticate(): null when the request carries no valid session or token. */
      actor: Actor | null;
      /** Set first thing for every request; errors and the log carry it. */
      requestId: string;
    }
  }
}
