// Whether the page can reach the server, from two signals: the health socket (closes at once when the server goes)
// and the page's requests (a refused or gateway-failed request). Pure, so the rules are tested without a browser.
import { ApiError } from '../http.js';

export interface ConnectionState {
  connected: boolean;
  /** When the connection was lost (browser clock), null while connected. */
  lostAtMs: number | null;
}

export interface ConnectionSignals {
  /** The socket's state; null before its first connect attempt ended (not known yet: not counted as lost). */
  socketUp: boolean | null;
  /** A request of the page failed because the server could not be reached (see `isUnreachable`). */
  requestsFailing: boolean;
}

export const CONNECTED: ConnectionState = { connected: true, lostAtMs: null };

/** The next state: lost when either signal says so, keeping the first moment it was lost. */
export function nextConnection(prev: ConnectionState, s: ConnectionSignals, nowMs: number): ConnectionState {
  const connected = s.socketUp !== false && !s.requestsFailing;
  if (connected) return prev.connected ? prev : CONNECTED;
  return prev.connected ? { connected: false, lostAtMs: nowMs } : prev;
}

/**
 * An error that says the server is out of reach, not that it answered no: a network failure (fetch rejects with a
 * TypeError), or a proxy's 502/503/504 in front of a server that is down. A 404 or 403 is an answer.
 */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof ApiError) return err.status === 502 || err.status === 503 || err.status === 504;
  return err instanceof TypeError;
}
