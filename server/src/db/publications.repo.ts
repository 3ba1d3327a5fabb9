// The publications repository: which runs are published at /p/<slug>, with the publisher's title, description and
// node-name opt-in. The slug and the run are each unique (the database says so: a concurrent publish of a taken
// slug fails on the index, not on a read-then-write race).
import type Database from 'better-sqlite3';
import type { PublicationDto } from '@trainboard/shared/public/publication';

/** A stored publication: what the API sends, less the path it derives from the slug. */
export type Publication = Omit<PublicationDto, 'path'>;

export interface PublicationInput {
  runId: number;
  slug: string;
  title: string;
  description: string | null;
  showNodes: boolean;
  atMs: number;
  publishedBy: string | null;
}

export class SlugTakenError extends Error {
  constructor(readonly slug: string) {
    super(`the slug ${slug} is published for another run`);
  }
}

export interface PublicationsRepo {
  ofRun(runId: number): Publication | undefined;
  bySlug(slug: string): Publication | undefined;
  /** Every publication, by run id. */
  list(): Publication[];
  /** Creates or updates the run's publication. @throws SlugTakenError when another run has the slug. */
  upsert(p: PublicationInput): Publication;
  /** Deletes the run's publication; the deleted row, or undefined when there was none. */
  remove(runId: number): Publication | undefined;
}

type Row = Omit<Publication, 'showNodes'> & { showNodes: number };
const COLUMNS = `run_id AS runId, slug, title, description, show_nodes AS showNodes, created_at AS createdAt,
  updated_at AS updatedAt, published_by AS publishedBy`;
const toPublication = (r: Row | undefined): Publication | undefined =>
  r === undefined ? undefined : { ...r, showNodes: r.showNodes === 1 };

export function createPublicationsRepo(sqlite: Database.Database): PublicationsRepo {
  const ofRun = sqlite.prepare<[number], Row>(`SELECT ${COLUMNS} FROM publications WHERE run_id = ?`);
  const bySlug = sqlite.prepare<[string], Row>(`SELECT ${COLUMNS} FROM publications WHERE slug = ?`);
  const list = sqlite.prepare<[], Row>(`SELECT ${COLUMNS} FROM publications ORDER BY run_id`);
  const upsert = sqlite.prepare(`INSERT INTO publications
    (run_id, slug, title, description, show_nodes, created_at, updated_at, published_by)
    VALUES (@runId, @slug, @title, @description, @showNodes, @atMs, @atMs, @publishedBy)
    ON CONFLICT (run_id) DO UPDATE SET slug = excluded.slug, title = excluded.title,
      description = excluded.description, show_nodes = excluded.show_nodes, updated_at = excluded.updated_at,
      published_by = excluded.published_by`);
  const remove = sqlite.prepare<[number], Row>(`DELETE FROM publications WHERE run_id = ? RETURNING ${COLUMNS}`);
  return {
    ofRun: (runId) => toPublication(ofRun.get(runId)),
    bySlug: (slug) => toPublication(bySlug.get(slug)),
    list: () => list.all().map((r) => toPublication(r) as Publication),
    upsert(p) {
      const holder = bySlug.get(p.slug);
      if (holder && holder.runId !== p.runId) throw new SlugTakenError(p.slug);
      try {
        upsert.run({ ...p, showNodes: p.showNodes ? 1 : 0 });
      } catch (err) {
        // Another writer took the slug between the read and the write: the unique index says so.
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new SlugTakenError(p.slug);
        throw err;
      }
      return toPublication(ofRun.get(p.runId)) as Publication;
    },
    remove: (runId) => toPublication(remove.get(runId)),
  };
}
