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
function get(path: string, encoding: string | null): Promise<{ headers: Record<string, unknown>; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.length));
      res.on('end', () => resolve({ headers: res.headers, bytes }));
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
});
