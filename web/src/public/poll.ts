// The fallback while the socket cannot connect: GET /p/:slug/snapshot.json, conditional on the last ETag.
import { publicSnapshotPath } from '@trainboard/shared/public/paths';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';
import type { PollAnswer } from './publicLive.js';

export async function pollSnapshot(slug: string, etag: string | null): Promise<PollAnswer> {
  try {
    const res = await fetch(publicSnapshotPath(slug), {
      headers: etag ? { 'if-none-match': etag } : {},
      // The ETag is ours to send: the browser's cache must neither answer nor add its own validator.
      cache: 'no-store',
      credentials: 'omit',
    });
    if (res.status === 304) return { kind: 'unchanged' };
    if (res.status === 404 || res.status === 410) return { kind: 'gone' };
    if (!res.ok) return { kind: 'failed' };
    // Our own server's allow-listed snapshot; the renderer escapes every text it prints.
    const snapshot = (await res.json()) as PublicSnapshot;
    return { kind: 'snapshot', snapshot, etag: res.headers.get('etag') };
  } catch {
    return { kind: 'failed' };
  }
}
