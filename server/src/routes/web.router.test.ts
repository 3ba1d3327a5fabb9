// The dashboard's files as a browser gets them: compressed, hashed assets kept a year, index.html revalidated.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainRouter } from '../testing/plainRouter.js';
import { webRouter } from './web.router.js';

let dir: string;
let server: Server;
let base: string;
const chunk = `export const app = ${JSON.stringify('trainboard '.repeat(20_000))};\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trainboard-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'mountApp-AbC123.js'), chunk);
  server = express()
    .use(plainRouter(webRouter(dir)))
    .listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Headers and body size as sent on the wire (node's http does not decompress). */
function get(
  path: string,
  encoding: string | null,
): Promise<{ status: number; headers: Record<string, unknown>; bytes: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: body.length, body: body.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('webRouter()', () => {
  it('serves the app chunk gzipped, and kept a year (its name changes with its content)', async () => {
    const { headers, bytes } = await get('/assets/mountApp-AbC123.js', 'gzip, deflate, br');
    expect(headers['content-encoding']).toMatch(/^(gzip|br)$/);
    expect(bytes).toBeLessThan(Buffer.byteLength(chunk) / 10);
    expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('sends it plain to a client that asks for no encoding', async () => {
    const { headers, bytes } = await get('/assets/mountApp-AbC123.js', null);
    expect(headers['content-encoding']).toBeUndefined();
    expect(bytes).toBe(Buffer.byteLength(chunk));
  });

  it('has index.html revalidated, also as the fallback of a client-side route', async () => {
    expect((await get('/', 'gzip')).headers['cache-control']).toBe('no-cache');
    expect((await get('/runs/3', 'gzip')).headers['cache-control']).toBe('no-cache');
  });

  it("answers the app's pages with index.html and 200", async () => {
    for (const path of ['/', '/runs/3', '/runs/3/', '/submit', '/audit?run=2', '/runs/3?x=tokens&theme=light']) {
      const res = await get(path, null);
      expect(res.status, path).toBe(200);
      expect(res.body, path).toContain('<div id="root">');
    }
  });

  it('answers any other path with index.html and 404, revalidated', async () => {
    for (const path of ['/nope', '/runs/abc', '/runs/1/extra', '/runs', '/settings?x=1', '/assets/missing-x1.js']) {
      const res = await get(path, null);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toContain('<div id="root">');
      expect(res.headers['cache-control'], path).toBe('no-cache');
    }
  });

  it('leaves /api and /socket.io paths to the API (no index.html)', async () => {
    for (const path of ['/api/nope', '/socket.io/x']) {
      const res = await get(path, null);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain('<div id="root">');
    }
  });
});
