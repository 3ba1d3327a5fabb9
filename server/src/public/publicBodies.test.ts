// The public bodies are computed once per snapshot rebuild, whatever the number of requests; the PNG at most once
// per PNG_MIN_INTERVAL_MS; and the PNG keeps only its image chunks.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';
import { samplePublicSnapshot } from '@trainboard/shared/testing/publicSnapshot';
import { criticalChunksOnly, pngChunks } from './lossPng.js';
import type { PublicChange, PublicEntry, PublicSnapshots } from './ports.js';
import { createPublicBodies, derivedEtag, PNG_MIN_INTERVAL_MS } from './publicBodies.js';

const entryOf = (snapshot: PublicSnapshot): PublicEntry => {
  const json = JSON.stringify(snapshot);
  return {
    snapshot,
    json,
    etag: `"${createHash('sha256').update(json).digest('hex').slice(0, 16)}"`,
    showNodes: false,
  };
};

function setup() {
  let listener: ((c: PublicChange) => void) | null = null;
  const snapshots: PublicSnapshots = {
    get: () => undefined,
    onChange: (l) => ((listener = l), () => (listener = null)),
  };
  let now = 1_000_000;
  const renders: string[] = [];
  const bodies = createPublicBodies(snapshots, {
    now: () => now,
    renderPng: async (e) => {
      renders.push(e.etag);
      return Buffer.from(e.etag);
    },
  });
  return { bodies, renders, tick: (ms: number) => (now += ms), emit: (c: PublicChange) => listener?.(c) };
}

describe('createPublicBodies()', () => {
  it('renders each representation once per snapshot, and again after a rebuild', () => {
    const { bodies } = setup();
    const a = entryOf(samplePublicSnapshot());
    const html = bodies.html(a, 'http://x');
    expect(bodies.html(a, 'http://x')).toBe(html);
    expect(bodies.json(a)).toBe(bodies.json(a));
    expect(bodies.badge(a)).toBe(bodies.badge(a));
    expect(bodies.html(a, 'http://y').etag).not.toBe(html.etag);
    const b = entryOf(samplePublicSnapshot({ updatedAt: '2026-12-06T17:00:05.000Z' }));
    const next = bodies.html(b, 'http://x');
    expect(next).not.toBe(html);
    expect(next.etag).not.toBe(html.etag);
    expect(next.gzip!.etag).not.toBe(next.etag);
  });

  it('renders the PNG once per snapshot, at most once per interval, serving the older one meanwhile', async () => {
    const { bodies, renders, tick } = setup();
    const a = entryOf(samplePublicSnapshot());
    const b = entryOf(samplePublicSnapshot({ updatedAt: '2026-12-06T17:00:05.000Z' }));
    await Promise.all([bodies.png(a), bodies.png(a), bodies.png(a)]);
    expect(renders).toEqual([a.etag]);
    expect((await bodies.png(b)).etag).toBe(derivedEtag(a.etag, 'png')); // too soon: still a's
    expect(renders).toEqual([a.etag]);
    tick(PNG_MIN_INTERVAL_MS);
    expect((await bodies.png(b)).etag).toBe(derivedEtag(a.etag, 'png')); // rendering b, a's meanwhile
    await Promise.resolve();
    expect((await bodies.png(b)).etag).toBe(derivedEtag(b.etag, 'png'));
    expect(renders).toEqual([a.etag, b.etag]);
  });

  it('forgets an unpublished slug', async () => {
    const { bodies, renders, emit } = setup();
    const a = entryOf(samplePublicSnapshot());
    await bodies.png(a);
    emit({ slug: a.snapshot.slug, entry: null });
    await bodies.png(a);
    expect(renders).toEqual([a.etag, a.etag]);
  });
});

/** A PNG chunk with its CRC (zlib's crc32). */
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('criticalChunksOnly()', () => {
  it('drops text, time and exif chunks, keeping the image', () => {
    const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('tEXt', Buffer.from('Comment\0host gpu-node-17')),
      chunk('iTXt', Buffer.from('x')),
      chunk('zTXt', Buffer.from('x')),
      chunk('eXIf', Buffer.from('x')),
      chunk('tIME', Buffer.alloc(7)),
      chunk('IDAT', deflateSync(Buffer.from([0, 0]))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const out = criticalChunksOnly(png);
    expect(pngChunks(out).map(([t]) => t)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(out.includes('gpu-node-17')).toBe(false);
  });
});
