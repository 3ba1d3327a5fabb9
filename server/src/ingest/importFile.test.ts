import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client.js';
import { importLogFile } from './importFile.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = resolve(repoRoot, '../shared/fixtures/megatron-logs');
const fixtureFiles = readdirSync(fixtures, { recursive: true, encoding: 'utf8' })
  .map((f) => join(fixtures, f))
  .filter((f) => statSync(f).isFile() && !f.endsWith('.md'));

describe(importLogFile.name, () => {
  it('imports every real fixture to its end, each as its own log source of one run', async () => {
    expect(fixtureFiles.length).toBeGreaterThan(20);
    const conn = openDatabase(':memory:');
    for (const path of fixtureFiles) {
      const r = await importLogFile({ conn, runName: 'fixtures', path });
      expect(r.toOffset, path).toBe(statSync(path).size);
      expect(r.counts.duplicates, path).toBe(0);
    }
    const sources = conn.sqlite
      .prepare('SELECT count(*) AS n, sum(byte_offset = size) AS complete FROM log_sources')
      .get();
    expect(sources).toEqual({ n: fixtureFiles.length, complete: fixtureFiles.length });
    // Known content: the ECC crash is one failure of its kind (a traceback is one event), and the 7 tr11 reshape
    // files hold 16 iteration lines for 94768-94770 (grep); superseded or not, all are kept.
    expect(
      conn.sqlite
        .prepare("SELECT byte_offset AS o, line FROM events WHERE type = 'failure' AND kind = 'ecc_error'")
        .all(),
    ).toEqual([{ o: 325, line: 3 }]);
    expect(
      conn.sqlite.prepare('SELECT count(*) AS n FROM iterations WHERE iteration BETWEEN 94768 AND 94770').get(),
    ).toEqual({ n: 16 });
    conn.close();
  });

  it('reports progress with positions that only grow and end at the file size', async () => {
    const conn = openDatabase(':memory:');
    const path = join(fixtures, 'bigscience-earlier/tr1-13B-2021-ecc-uncorrectable-crash.log');
    const positions: number[] = [];
    await importLogFile({ conn, runName: 'r', path, chunkBytes: 512, onProgress: (p) => positions.push(p.position) });
    expect(positions.length).toBe(Math.ceil(statSync(path).size / 512));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(positions.at(-1)).toBe(statSync(path).size);
    conn.close();
  });

  it('gives the same rows for any chunk size (a transaction per chunk)', async () => {
    const path = join(fixtures, 'bigscience-earlier/tr1-13B-2021-08-12-restart-on-bad-node-cuda-oom.log');
    const dump = async (chunkBytes: number) => {
      const conn = openDatabase(':memory:');
      await importLogFile({ conn, runName: 'r', path, chunkBytes });
      const rows = ['iterations', 'validations', 'events'].map((t) =>
        conn.sqlite.prepare(`SELECT * FROM ${t} ORDER BY byte_offset${t === 'events' ? ', type' : ''}`).all(),
      );
      conn.close();
      return rows.map((table) => table.map((row) => ({ ...(row as object), id: undefined })));
    };
    const whole = await dump(1 << 20);
    expect(whole[2]?.length).toBeGreaterThan(0);
    for (const size of [1, 7, 64, 333]) expect(await dump(size), `chunks of ${size} bytes`).toEqual(whole);
  });
});
