import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from './client.js';
import { SlugTakenError } from './publications.repo.js';
import { createRepositories } from './repositories.js';
import { findOrCreateRun } from './runs.repo.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

function setup() {
  conn = openDatabase(':memory:');
  const repos = createRepositories(conn.sqlite);
  const a = findOrCreateRun(conn.db, 'run-a').id;
  const b = findOrCreateRun(conn.db, 'run-b').id;
  return { repos, a, b };
}

const input = (runId: number, slug: string, atMs = 1000) => ({
  runId,
  slug,
  title: 'A demo',
  description: null,
  showNodes: false,
  atMs,
  publishedBy: 'alice',
});

describe('PublicationsRepo', () => {
  it('creates, updates in place (created_at kept), finds by slug and run, and removes', () => {
    const { repos, a } = setup();
    expect(repos.publications.ofRun(a)).toBeUndefined();
    const created = repos.publications.upsert(input(a, 'demo'));
    expect(created).toEqual({
      runId: a,
      slug: 'demo',
      title: 'A demo',
      description: null,
      showNodes: false,
      createdAt: 1000,
      updatedAt: 1000,
      publishedBy: 'alice',
    });
    const updated = repos.publications.upsert({ ...input(a, 'demo-2', 2000), showNodes: true, description: 'd' });
    expect(updated).toMatchObject({
      slug: 'demo-2',
      showNodes: true,
      description: 'd',
      createdAt: 1000,
      updatedAt: 2000,
    });
    expect(repos.publications.bySlug('demo')).toBeUndefined();
    expect(repos.publications.bySlug('demo-2')?.runId).toBe(a);
    expect(repos.publications.list()).toHaveLength(1);
    expect(repos.publications.remove(a)?.slug).toBe('demo-2');
    expect(repos.publications.remove(a)).toBeUndefined();
    expect(repos.publications.list()).toEqual([]);
  });

  it('refuses a slug another run holds', () => {
    const { repos, a, b } = setup();
    repos.publications.upsert(input(a, 'demo'));
    expect(() => repos.publications.upsert(input(b, 'demo'))).toThrow(SlugTakenError);
    expect(repos.publications.ofRun(b)).toBeUndefined();
  });

  it('goes with its run', () => {
    const { repos, a } = setup();
    repos.publications.upsert(input(a, 'demo'));
    conn.sqlite.prepare('DELETE FROM runs WHERE id = ?').run(a);
    expect(repos.publications.list()).toEqual([]);
  });
});
