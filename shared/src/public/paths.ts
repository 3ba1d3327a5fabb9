// Where the public page lives, written once for the server that serves it, the page it renders and the small
// script that updates it live.

/** GET /p/:slug (HTML), /p/:slug/snapshot.json, /p/:slug/loss.png, /p/:slug/badge.svg, /p/:slug/widget.svg. */
export const PUBLIC_PAGE_PREFIX = '/p';
export const publicPagePath = (slug: string): string => `${PUBLIC_PAGE_PREFIX}/${encodeURIComponent(slug)}`;
export const publicSnapshotPath = (slug: string): string => `${publicPagePath(slug)}/snapshot.json`;

/** The public page's own bundle (web/vite.public.config.ts builds it into web/dist/p-assets/). */
export const PUBLIC_ASSETS_PREFIX = '/p-assets';
export const PUBLIC_SCRIPT_PATH = `${PUBLIC_ASSETS_PREFIX}/public.js`;

/** The element the server renders the page's live part into, and the script re-renders (same pure renderer). */
export const PUBLIC_ROOT_ID = 'public-root';
/** `<body data-slug="…">`: the script reads which slug to subscribe to from here. */
export const PUBLIC_SLUG_ATTRIBUTE = 'data-slug';
