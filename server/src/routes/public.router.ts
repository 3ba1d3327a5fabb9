// The public progress page, for anyone on the internet without a session: /p/:slug (server-rendered HTML),
// its snapshot.json, loss.png, badge.svg and widget.svg, the stylesheet /p/public.css and the page's own bundle
// under /p-assets/. Everything is rendered from the slug's PublicEntry (the allow-listed snapshot) and nothing
// else; bodies come prebuilt from publicBodies (once per snapshot rebuild), so a request costs a lookup.
// Headers: derived ETags with 304, short public caching a CDN can carry, a strict CSP per kind of response, a
// per-IP limiter, and no cookies (createApp skips the session on these paths: see isPublicPath).
import { resolve } from 'node:path';
import compression from 'compression';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { PUBLIC_ASSETS_PREFIX, PUBLIC_PAGE_PREFIX } from '@trainboard/shared/public/paths';
import { renderPublicNotFound } from '@trainboard/shared/public/render/page';
import { PUBLIC_CSS } from '@trainboard/shared/public/render/publicCss';
import { PUBLIC_CSS_PATH } from '@trainboard/shared/public/render/urls';
import { PublicSlugSchema } from '@trainboard/shared/public/snapshot';
import { route, type RouteDef } from '../http/routeTable.js';
import {
  createPublicBodies,
  shortHash,
  textBody,
  type Body,
  type PublicBodiesOptions,
} from '../public/publicBodies.js';
import type { PublicEntry, PublicSnapshots } from '../public/ports.js';

/** The page: its own script, stylesheet and same-origin socket.io only; nothing inline; never framed. */
export const PUBLIC_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** badge.svg and widget.svg: made to be embedded anywhere (img, object, iframe), so any ancestor; they load nothing. */
export const PUBLIC_EMBED_CSP = "default-src 'none'; frame-ancestors *";
/** JSON and PNG: load nothing, framed by no one. */
export const PUBLIC_DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

export const PUBLIC_CACHE = 'public, max-age=5, stale-while-revalidate=30';
const PNG_CACHE = 'public, max-age=30, stale-while-revalidate=300';
const CSS_CACHE = 'public, max-age=3600, stale-while-revalidate=86400';
const SCRIPT_CACHE = 'public, max-age=300, stale-while-revalidate=3600';
const HASHED_ASSET = /-[A-Za-z0-9_-]{8,}\.(?:js|css|map)$/;

/** Paths served by this router: createApp runs no session middleware for them (no Set-Cookie, CDN-cacheable). */
export function isPublicPath(path: string): boolean {
  return (
    path === PUBLIC_PAGE_PREFIX ||
    path.startsWith(`${PUBLIC_PAGE_PREFIX}/`) ||
    path.startsWith(`${PUBLIC_ASSETS_PREFIX}/`)
  );
}

export interface PublicRouterOptions extends PublicBodiesOptions {
  /** The built web app; its p-assets/ folder (the public bundle) is served under /p-assets/. */
  webDir?: string;
  /** Requests per minute per client address to /p and /p-assets (default 300). */
  limitPerMinute?: number;
}

type Kind = 'page' | 'embed' | 'data';

function headersFor(res: Response, kind: Kind): void {
  res.setHeader(
    'Content-Security-Policy',
    kind === 'page' ? PUBLIC_PAGE_CSP : kind === 'embed' ? PUBLIC_EMBED_CSP : PUBLIC_DATA_CSP,
  );
  if (kind === 'embed') res.removeHeader('X-Frame-Options');
  else res.setHeader('X-Frame-Options', 'DENY');
  // Badge, widget, JSON and PNG are meant for other sites (READMEs, previews): readable cross-origin, no credentials.
  if (kind !== 'page') res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}

/** The JSON is public data and these paths carry no credentials: any site may fetch it (custom embeds). */
const anyOrigin = (res: Response) => res.setHeader('Access-Control-Allow-Origin', '*');

/** Whether If-None-Match names this ETag (weak comparison, as RFC 9110 asks for GET). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === bare;
  });
}

function send(req: Request, res: Response, body: Body, kind: Kind, cacheControl = PUBLIC_CACHE): void {
  const gz = body.gzip && req.acceptsEncodings('gzip', 'identity') === 'gzip' ? body.gzip : null;
  const etag = gz ? gz.etag : body.etag;
  headersFor(res, kind);
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('ETag', etag);
  if (body.gzip) res.setHeader('Vary', 'Accept-Encoding');
  if (matchesEtag(req.headers['if-none-match'], etag)) return void res.status(304).end();
  res.setHeader('Content-Type', body.type);
  if (gz) res.setHeader('Content-Encoding', 'gzip');
  const bytes = gz ? gz.body : body.body;
  res.setHeader('Content-Length', String(bytes.length));
  res.status(200).end(bytes);
}

const NOT_FOUND = renderPublicNotFound();

/** One generic page for every unknown, unpublished or malformed slug and path: it says nothing about which. */
function notFound(res: Response): void {
  headersFor(res, 'page');
  res.setHeader('Cache-Control', PUBLIC_CACHE);
  res.status(404).type('html').send(NOT_FOUND);
}

/** The origin the page's absolute URLs (og:url, og:image) use: the request's, its Host already allow-listed. */
const originOf = (req: Request): string => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

/** Per client address, for every public route: a wrapper that runs the limiter before the handler. */
function publicLimiter(limitPerMinute: number): (handler: RequestHandler) => RequestHandler {
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: limitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.status(429).type('text/plain').send('Too many requests: try again in a minute.\n');
    },
  });
  return (handler) =>
    function publicLimiter(req, res, next) {
      void limiter(req, res, (err?: unknown) => (err ? next(err) : handler(req, res, next)));
    };
}

export function publicRouter(snapshots: PublicSnapshots, o: PublicRouterOptions = {}): RouteDef[] {
  const bodies = createPublicBodies(snapshots, o);
  const limited = publicLimiter(o.limitPerMinute ?? 300);
  /** A route of one published slug: unknown or malformed slugs all get the same 404 page. */
  const ofSlug = (serve: (req: Request, res: Response, entry: PublicEntry) => void | Promise<void>) =>
    limited((req, res, next) => {
      const slug = PublicSlugSchema.safeParse(req.params.slug);
      const entry = slug.success ? snapshots.get(slug.data) : undefined;
      if (!entry) return notFound(res);
      Promise.resolve(serve(req, res, entry)).catch(next);
    });
  const css = textBody('text/css; charset=utf-8', PUBLIC_CSS, `"css-${shortHash(PUBLIC_CSS)}"`);
  const summary = (s: string) => ({ summary: `public page: ${s}` });
  return [
    route(
      'get',
      PUBLIC_CSS_PATH,
      'anonymous',
      limited((req, res) => send(req, res, css, 'page', CSS_CACHE)),
      summary('stylesheet'),
    ),
    route(
      'get',
      '/p/:slug',
      'anonymous',
      ofSlug((req, res, e) => send(req, res, bodies.html(e, originOf(req)), 'page')),
      summary('HTML, readable without JavaScript'),
    ),
    route(
      'get',
      '/p/:slug/snapshot.json',
      'anonymous',
      ofSlug((req, res, e) => {
        anyOrigin(res);
        send(req, res, bodies.json(e), 'data');
      }),
      summary('the public snapshot'),
    ),
    route(
      'get',
      '/p/:slug/loss.png',
      'anonymous',
      ofSlug(async (req, res, e) => send(req, res, await bodies.png(e), 'data', PNG_CACHE)),
      summary('loss curve PNG (og:image)'),
    ),
    route(
      'get',
      '/p/:slug/badge.svg',
      'anonymous',
      ofSlug((req, res, e) => send(req, res, bodies.badge(e), 'embed')),
      summary('README badge'),
    ),
    route(
      'get',
      '/p/:slug/widget.svg',
      'anonymous',
      ofSlug((req, res, e) => send(req, res, bodies.widget(e), 'embed')),
      summary('embeddable widget'),
    ),
    ...(o.webDir ? [assetsRoute(o.webDir, limited)] : []),
    route(
      'get',
      /^\/p(?:\/.*)?$|^\/p-assets(?:\/.*)?$/,
      'anonymous',
      limited((_req, res) => notFound(res)),
      summary('not found'),
    ),
  ];
}

/** The public bundle (web/dist/p-assets): hashed chunks kept a year, the fixed-name entry revalidated soon. */
function assetsRoute(webDir: string, limited: (h: RequestHandler) => RequestHandler): RouteDef {
  const compress = compression();
  const serveStatic = express.static(resolve(webDir), {
    index: false,
    redirect: false,
    setHeaders: (res, path) => {
      res.setHeader('Cache-Control', HASHED_ASSET.test(path) ? 'public, max-age=31536000, immutable' : SCRIPT_CACHE);
    },
  });
  return route(
    'get',
    /^\/p-assets\/.+/,
    'anonymous',
    limited((req, res, next) =>
      compress(req, res, () => serveStatic(req, res, (err?: unknown) => (err ? next(err) : notFound(res)))),
    ),
    { summary: 'public page: its script bundle' },
  );
}
