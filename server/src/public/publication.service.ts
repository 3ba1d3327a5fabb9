// Publishing a run at /p/<slug>, unpublishing it, reading its publication. Every publish and unpublish is an
// audited action (run.publish, run.unpublish), its effect and audit row committed together; a refused publish (the
// slug names another run) is audited as refused. The public snapshots are told at once, after the commit.
import { publicPagePath } from '@trainboard/shared/public/paths';
import { PublicationInputSchema, type PublicationDto } from '@trainboard/shared/public/publication';
import { actorFields, type AuditActor } from '../auth/auth.service.js';
import { SlugTakenError, type Publication } from '../db/publications.repo.js';
import type { Repositories } from '../db/repositories.js';
import { HttpError } from '../routes/errors.js';
import type { PublicSnapshots } from './ports.js';

export interface PublicationServiceDeps {
  repos: Pick<Repositories, 'publications' | 'runs' | 'audit' | 'transaction'>;
  /** Rebuilt or dropped at once on a change (the server's PublicSnapshots); optional for tests and tools. */
  snapshots?: Pick<PublicSnapshots, 'publicationChanged'> | null;
  now?: () => number;
}

export interface PublicationService {
  get(runId: number): PublicationDto | null;
  /** Creates or updates. @throws HttpError 400 (invalid input), 404 (no run), 409 slug_taken. */
  publish(runId: number, input: unknown, actor: AuditActor): PublicationDto;
  /** @throws HttpError 404 when the run is not published. */
  unpublish(runId: number, actor: AuditActor): void;
}

export const publicationDto = (p: Publication): PublicationDto => ({ ...p, path: publicPagePath(p.slug) });

export function createPublicationService(deps: PublicationServiceDeps): PublicationService {
  const { repos } = deps;
  const now = deps.now ?? Date.now;
  const audit = (actor: AuditActor, action: string, runId: number, slug: string, extra: object = {}) =>
    repos.audit.append({
      atMs: now(),
      ...actorFields(actor),
      action,
      targetKind: 'publication',
      targetId: slug,
      runId,
      result: 'ok',
      ...extra,
    });
  const existingRun = (runId: number) => {
    if (!repos.runs.exists(runId)) throw new HttpError(404, 'not_found', `run ${runId} does not exist`);
  };

  return {
    get(runId) {
      existingRun(runId);
      const p = repos.publications.ofRun(runId);
      return p ? publicationDto(p) : null;
    },
    publish(runId, input, actor) {
      existingRun(runId);
      const parsed = PublicationInputSchema.safeParse(input);
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
        throw new HttpError(400, 'invalid_request', message);
      }
      const p = parsed.data;
      const before = repos.publications.ofRun(runId);
      let saved: Publication;
      try {
        saved = repos.transaction(() => {
          const row = repos.publications.upsert({
            runId,
            ...p,
            atMs: now(),
            publishedBy: actorFields(actor).actorName,
          });
          const details = { title: p.title, showNodes: p.showNodes, previousSlug: before?.slug ?? null };
          audit(actor, 'run.publish', runId, p.slug, { details });
          return row;
        });
      } catch (err) {
        if (!(err instanceof SlugTakenError)) throw err;
        const refused = { result: 'refused', errorCode: 'slug_taken', message: 'slug used by another run' };
        audit(actor, 'run.publish', runId, p.slug, refused);
        throw new HttpError(409, 'slug_taken', `the address /p/${p.slug} is already used by another published run`);
      }
      deps.snapshots?.publicationChanged?.(runId);
      return publicationDto(saved);
    },
    unpublish(runId, actor) {
      existingRun(runId);
      const removed = repos.transaction(() => {
        const row = repos.publications.remove(runId);
        if (row) audit(actor, 'run.unpublish', runId, row.slug);
        return row;
      });
      if (!removed) throw new HttpError(404, 'not_published', 'this run is not published');
      deps.snapshots?.publicationChanged?.(runId);
    },
  };
}
