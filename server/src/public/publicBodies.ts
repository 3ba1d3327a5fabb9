// Every public response body, computed once per snapshot rebuild and shared by all requests: a request for a
// published slug costs a map lookup (and, the first time after a rebuild, one render of that representation).
// Keyed by the entry's etag; each representation's ETag is derived from it, with its own suffix (and the gzip
// variant's own, as a different byte sequence must have a different strong ETag).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PUBLIC_SCRIPT_PATH } from '@trainboard/shared/public/paths';
import { renderBadge } from '@trainboard/shared/public/render/badge';
import { renderPublicPage } from '@trainboard/shared/public/render/page';
import { publicLossPngPath } from '@trainboard/shared/public/render/urls';
import { publicPagePath } from '@trainboard/shared/public/paths';
import { renderWidget } from '@trainboard/shared/public/render/widget';
import type { PublicEntry, PublicSnapshots } from './ports.js';
import { renderLossPng } from './lossPng.js';

export interface Body {
  type: string;
  body: Buffer;
  etag: string;
  /** The gzip variant, for text bodies worth it. */
  gzip: { body: Buffer; etag: string } | null;
}

/** "abc" + "html" → "abc.html" (inside the quotes). */
export const derivedEtag = (etag: string, suffix: string): string =>
  `"${etag.replace(/^W\//, '').replace(/"/g, '')}.${suffix}"`;

export function textBody(type: string, text: string, etag: string): Body {
  const body = Buffer.from(text, 'utf8');
  const gzip = body.length >= 1024 ? { body: gzipSync(body, { level: 6 }), etag: derivedEtag(etag, 'gz') } : null;
  return { type, body, etag, gzip };
}

export const shortHash = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 12);

/** The PNG is an og:image: a crawler's picture need not follow every second's rebuild. Re-rendered at most this often. */
export const PNG_MIN_INTERVAL_MS = 30_000;
/** Origins (Host values) whose HTML is kept per slug; the Host allow-list bounds them anyway. */
const MAX_ORIGINS = 8;

interface Slot {
  etag: string;
  bodies: Map<string, Body>;
  png: { body: Promise<Body>; fromEtag: string; at: number } | null;
  pngNext: Promise<Body> | null;
}

export interface PublicBodiesOptions {
  now?: () => number;
  renderPng?: (entry: PublicEntry) => Promise<Buffer>;
}

export function createPublicBodies(snapshots: PublicSnapshots, o: PublicBodiesOptions = {}) {
  const now = o.now ?? Date.now;
  const renderPng = o.renderPng ?? ((entry: PublicEntry) => renderLossPng(entry.snapshot));
  const slots = new Map<string, Slot>();
  snapshots.onChange((change) => {
    if (change.entry === null) slots.delete(change.slug);
  });

  function slotOf(entry: PublicEntry): Slot {
    const slug = entry.snapshot.slug;
    let slot = slots.get(slug);
    if (!slot) slots.set(slug, (slot = { etag: entry.etag, bodies: new Map(), png: null, pngNext: null }));
    else if (slot.etag !== entry.etag) {
      slot.etag = entry.etag;
      slot.bodies.clear();
    }
    return slot;
  }

  function memo(entry: PublicEntry, key: string, make: () => Body): Body {
    const bodies = slotOf(entry).bodies;
    let body = bodies.get(key);
    if (!body) bodies.set(key, (body = make()));
    return body;
  }

  function html(entry: PublicEntry, origin: string): Body {
    const key = `html ${origin}`;
    const bodies = slotOf(entry).bodies;
    const make = () => {
      const s = entry.snapshot;
      const page = renderPublicPage(s, {
        canonicalUrl: origin + publicPagePath(s.slug),
        imageUrl: origin + publicLossPngPath(s.slug),
        scriptPath: PUBLIC_SCRIPT_PATH,
      });
      return textBody('text/html; charset=utf-8', page, derivedEtag(entry.etag, `html-${shortHash(origin)}`));
    };
    if (!bodies.has(key) && [...bodies.keys()].filter((k) => k.startsWith('html ')).length >= MAX_ORIGINS)
      return make();
    return memo(entry, key, make);
  }

  /** The cached PNG when recent enough (or still the current snapshot's), else a new render; the older one is
   *  served while the new one renders, and only one render per slug runs at a time. */
  function png(entry: PublicEntry): Promise<Body> {
    const slot = slotOf(entry);
    const cached = slot.png;
    const fresh = cached && (cached.fromEtag === entry.etag || now() - cached.at < PNG_MIN_INTERVAL_MS);
    if (cached && fresh) return cached.body;
    if (!slot.pngNext) {
      const fromEtag = entry.etag;
      const next = renderPng(entry).then((bytes) => ({
        type: 'image/png',
        body: bytes,
        etag: derivedEtag(fromEtag, 'png'),
        gzip: null,
      }));
      slot.pngNext = next;
      next.then(
        () => {
          slot.png = { body: next, fromEtag, at: now() };
          slot.pngNext = null;
        },
        () => void (slot.pngNext = null),
      );
    }
    return cached?.body ?? slot.pngNext;
  }

  return {
    html,
    png,
    json: (entry: PublicEntry) =>
      memo(entry, 'json', () =>
        textBody('application/json; charset=utf-8', entry.json, derivedEtag(entry.etag, 'json')),
      ),
    badge: (entry: PublicEntry) =>
      memo(entry, 'badge', () =>
        textBody('image/svg+xml; charset=utf-8', renderBadge(entry.snapshot), derivedEtag(entry.etag, 'badge')),
      ),
    widget: (entry: PublicEntry) =>
      memo(entry, 'widget', () =>
        textBody('image/svg+xml; charset=utf-8', renderWidget(entry.snapshot), derivedEtag(entry.etag, 'widget')),
      ),
  };
}
export type PublicBodies = ReturnType<typeof createPublicBodies>;
