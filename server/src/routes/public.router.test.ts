// The public page as an anonymous HTTP client gets it, over the whole app (edge, helmet, session) with an
// in-memory PublicSnapshots holding samplePublicSnapshot(): the numbers without JavaScript, ETag/304, headers,
// 404s, the PNG, the limiter, and no cookie.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';
import { samplePublicSnapshot } from '@trainboard/shared/testing/publicSnapshot';
import { createApp } from '../app.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import type { PublicChange, PublicEntry, PublicSnapshots } from '../public/ports.js';
import { pngChunks } from '../public/lossPng.js';
import { createTestAuth, signInOverHttp } from '../testing/testAuth.js';
import { matchesEtag, PUBLIC_PAGE_CSP } from './public.router.js';

/** PublicSnapshots in memory: what A's real one offers, set by the test. */
function memorySnapshots() {
  const entries = new Map<string, PublicEntry>();
  const listeners = new Set<(c: PublicChange) => void>();
  const snapshots: PublicSnapshots = {
    get: (slug) => entries.get(slug),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    snapshots,
    publish(snapshot: PublicSnapshot) {
      const json = JSON.stringify(snapshot);
      const entry = {
        snapshot,
        json,
        etag: `"${createHash('sha256').update(json).digest('hex').slice(0, 20)}"`,
        showNodes: false,
      };
      entries.set(snapshot.slug, entry);
      for (const l of listeners) l({ slug: snapshot.slug, entry });
    },
    unpublish(slug: string) {
      entries.delete(slug);
      for (const l of listeners) l({ slug, entry: null });
    },
  };
}

const PASSWORD = 'correct horse battery staple';
let conn: OpenDatabase;
let server: Server;
let limitedServer: Server;
let base: string;
let limitedBase: string;
let webDir: string;
const memory = memorySnapshots();

async function listen(s: Server): Promise<string> {
  await new Promise((r) => s.once('listening', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  conn = openDatabase(':memory:');
  webDir = mkdtempSync(join(tmpdir(), 'trainboard-public-'));
  mkdirSync(join(webDir, 'p-assets'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(webDir, 'p-assets', 'public.js'), 'export {};\n');
  memory.publish(samplePublicSnapshot());
  const logger = pino({ level: 'silent' });
  const auth = createTestAuth(conn);
  await auth.userWithPassword('reader', PASSWORD, 'viewer');
  server = createApp({ conn, logger, authContext: auth.ctx, publicSnapshots: memory.snapshots, webDir }).listen(
    0,
    '127.0.0.1',
  );
  base = await listen(server);
  const tight = createTestAuth(openDatabase(':memory:'), { publicLimitPerMinute: 3 });
  limitedServer = createApp({ conn, logger, authContext: tight.ctx, publicSnapshots: memory.snapshots }).listen(
    0,
    '127.0.0.1',
  );
  limitedBase = await listen(limitedServer);
});

afterAll(() => {
  server.close();
  limitedServer.close();
  conn.close();
  rmSync(webDir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(base + path, { headers });

describe('GET /p/:slug', () => {
  it('serves the page with its numbers in the HTML (no JavaScript needed)', async () => {
    const res = await get('/p/bloom-demo');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    for (const text of ['BLOOM demo run', '24%', '1.26B', 'perplexity 29.96', '52k tokens/s', '7h 00m', '93%'])
      expect(html, text).toContain(text);
    expect(html).toContain('Restarted after a hardware failure');
    expect(html).toContain(`<meta property="og:image" content="${base}/p/bloom-demo/loss.png">`);
    expect(html).toContain('<script type="module" src="/p-assets/public.js"></script>');
  });

  it('answers 304 to If-None-Match with its ETag, for both encodings', async () => {
    for (const encoding of ['gzip', 'identity']) {
      const first = await get('/p/bloom-demo', { 'accept-encoding': encoding });
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^".+"$/);
      expect(first.headers.get('vary')).toContain('Accept-Encoding');
      const again = await get('/p/bloom-demo', { 'accept-encoding': encoding, 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      const other = await get('/p/bloom-demo', { 'accept-encoding': encoding, 'if-none-match': '"stale"' });
      expect(other.status).toBe(200);
    }
  });

  it('changes its ETag when the snapshot is rebuilt', async () => {
    const before = (await get('/p/bloom-demo')).headers.get('etag');
    memory.publish(samplePublicSnapshot({ updatedAt: '2026-12-06T17:00:01.000Z' }));
    const after = await get('/p/bloom-demo', { 'if-none-match': before! });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('2026-12-06T17:00:01.000Z');
    memory.publish(samplePublicSnapshot());
  });

  it('sends the strict CSP, CDN caching, and no cookie even to a signed-in browser', async () => {
    const session = await signInOverHttp(base, 'reader', PASSWORD);
    for (const headers of [{}, { cookie: session.cookie }] as Record<string, string>[]) {
      const res = await get('/p/bloom-demo', headers);
      expect(res.headers.get('content-security-policy')).toBe(PUBLIC_PAGE_CSP);
      expect(res.headers.get('cache-control')).toBe('public, max-age=5, stale-while-revalidate=30');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('answers one generic 404 page for unknown, unpublished and hostile slugs', async () => {
    memory.publish(samplePublicSnapshot({ slug: 'gone' }));
    memory.unpublish('gone');
    for (const path of [
      '/p/nope',
      '/p/gone',
      '/p/%3Cscript%3E',
      '/p/BLOOM-DEMO',
      '/p/-x',
      '/p/a..b',
      '/p/bloom-demo/x',
      '/p',
      '/p/',
      '/p/nope/loss.png',
      '/p-assets/nope.js',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toContain('text/html');
      const html = await res.text();
      expect(html, path).toContain('There is no public page at this address.');
      expect(html, path).not.toContain('script');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });
});

describe('the other public responses', () => {
  it('snapshot.json is the entry JSON, readable cross-origin, with its own ETag', async () => {
    const res = await get('/p/bloom-demo/snapshot.json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(samplePublicSnapshot());
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const html = await get('/p/bloom-demo');
    expect(res.headers.get('etag')).not.toBe(html.headers.get('etag'));
    expect((await get('/p/bloom-demo/snapshot.json', { 'if-none-match': res.headers.get('etag')! })).status).toBe(304);
  });

  it('loss.png is a 1200×630 PNG with no text chunks', async () => {
    const res = await get('/p/bloom-demo/loss.png');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    const chunks = pngChunks(png);
    expect(chunks[0]![0]).toBe('IHDR');
    const ihdr = chunks[0]![1];
    expect([ihdr.readUInt32BE(8), ihdr.readUInt32BE(12)]).toEqual([1200, 630]);
    expect(chunks.map(([type]) => type).filter((t) => !['IHDR', 'IDAT', 'IEND', 'PLTE', 'tRNS'].includes(t))).toEqual(
      [],
    );
    expect(png.includes('tEXt') || png.includes('iTXt') || png.includes('zTXt')).toBe(false);
    const etag = res.headers.get('etag')!;
    expect((await get('/p/bloom-demo/loss.png', { 'if-none-match': etag })).status).toBe(304);
  });

  it('badge.svg and widget.svg can be embedded anywhere', async () => {
    for (const path of ['/p/bloom-demo/badge.svg', '/p/bloom-demo/widget.svg']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
      expect(res.headers.get('x-frame-options')).toBeNull();
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors *");
      expect(await res.text()).toContain('24% · loss 3.4');
    }
  });

  it('serves the stylesheet and the bundle, cached longer', async () => {
    const css = await get('/p/public.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toMatch(/max-age=3600/);
    expect(await css.text()).toContain('prefers-color-scheme: dark');
    const js = await get('/p-assets/public.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toMatch(/max-age=300/);
  });
});

describe('the per-address limit', () => {
  it('answers 429, generically, past the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${limitedBase}/p/bloom-demo`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const res = await fetch(`${limitedBase}/p/bloom-demo/snapshot.json`);
    expect(res.status).toBe(429);
    expect(await res.text()).toBe('Too many requests: try again in a minute.\n');
    // The private API has its own limiter: the public one does not count against it.
    expect((await fetch(`${limitedBase}/api/health`)).status).toBe(200);
  });
});

describe('matchesEtag()', () => {
  it('compares weakly, in lists, and with *', () => {
    expect(matchesEtag('"a.html"', '"a.html"')).toBe(true);
    expect(matchesEtag('W/"a.html"', '"a.html"')).toBe(true);
    expect(matchesEtag('"x", "a.html"', '"a.html"')).toBe(true);
    expect(matchesEtag('*', '"a.html"')).toBe(true);
    expect(matchesEtag('"a"', '"a.html"')).toBe(false);
    expect(matchesEtag(undefined, '"a.html"')).toBe(false);
  });
});
