// The signed-in user for any component below the app shell (the run controls ask whether to show themselves).
import { createContext, useContext } from 'react';
import { roleAtLeast, type Session } from './session.js';

export const SessionContext = createContext<Session>({ kind: 'open' });

export function useSession(): Session {
  return useContext(SessionContext);
}

/** True when the signed-in user may act on runs (operator or admin); viewers and an open server get no controls. */
export function useCanOperate(): boolean {
  const s = useSession();
  return s.kind === 'signed-in' && roleAtLeast(s.user.role, 'operator');
}
