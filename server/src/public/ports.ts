// What the public routes and the /public namespace read: one prebuilt snapshot per published slug, shared by every
// viewer (the JSON text and its ETag are computed once per rebuild, not per request).
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';

export interface PublicEntry {
  snapshot: PublicSnapshot;
  /** JSON.stringify(snapshot), computed once per rebuild. */
  json: string;
  /** A strong ETag of json (quoted), computed once per rebuild. */
  etag: string;
  /** Whether the publisher opted in to node names in the timeline (already applied to snapshot.timeline). */
  showNodes: boolean;
}

export type PublicChange = { slug: string; entry: PublicEntry } | { slug: string; entry: null };

export interface PublicSnapshots {
  /** The current entry of a published slug; undefined when no such slug is published. Never does I/O per call
   *  beyond an in-memory lookup. */
  get(slug: string): PublicEntry | undefined;
  /** Called after each rebuild (entry) and on unpublish (entry null). Returns an unsubscribe function. */
  onChange(listener: (change: PublicChange) => void): () => void;
  /** The run's publication was created, changed or removed: its entry is rebuilt (or dropped) at once.
   *  Optional, so test fakes of the port need not have it. */
  publicationChanged?(runId: number): void;
}
