// The /public socket.io namespace contract: read-only. The only client event is `subscribe`; anything else
// disconnects. The server sends whole snapshots (they are small and shared by every viewer of a slug).
import type { PublicSnapshot } from './snapshot.js';

export const PUBLIC_NAMESPACE = '/public';

export interface PublicSubscribeRequest {
  slug: string;
}

export type PublicSubscribeAck =
  { ok: true; snapshot: PublicSnapshot } | { ok: false; error: 'not_found' | 'invalid' | 'rate_limited' };

export interface PublicServerToClient {
  /** The slug's snapshot was rebuilt (at most once a second). */
  snapshot: (snapshot: PublicSnapshot) => void;
  /** The run was unpublished: the page says so and stops updating. */
  unpublished: (payload: { slug: string }) => void;
}

export interface PublicClientToServer {
  subscribe: (request: PublicSubscribeRequest, ack: (answer: PublicSubscribeAck) => void) => void;
}
