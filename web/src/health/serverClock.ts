// The page's clock in the server's time: the last answer's `nowMs` plus the browser time elapsed since it arrived.
// Browser and server clocks may disagree by seconds or more; reading every age against this mapped clock keeps a
// stall, a stale value and "since" times honest. While the server is unreachable the clock stops at the moment the
// connection was lost: nothing the page shows keeps counting on the browser's clock alone.

/** The server's time now, from an answer stamped `serverNowMs` that arrived at `receivedAtMs` (browser clock). */
export function mappedNowMs(serverNowMs: number, receivedAtMs: number, browserNowMs: number): number {
  return serverNowMs + Math.max(browserNowMs - receivedAtMs, 0);
}

/**
 * The clock the page reads ages against: the mapped server time, frozen at `lostAtMs` (browser clock) while the
 * connection is lost.
 */
export function pageNowMs(
  serverNowMs: number,
  receivedAtMs: number,
  browserNowMs: number,
  lostAtMs: number | null,
): number {
  // Exactly the moment it was lost, not the last tick before it: the page shows one value all the while.
  const until = lostAtMs ?? browserNowMs;
  return mappedNowMs(serverNowMs, receivedAtMs, until);
}

/** A browser-clock instant in server time (for "since 06:41:07", read against the server's stamps). */
export function toServerMs(browserMs: number, serverNowMs: number, receivedAtMs: number): number {
  return browserMs + (serverNowMs - receivedAtMs);
}

/** `06:41:07` in the browser's time zone. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}
