// /api/clusters: every signed-in user sees names, kinds and defaults; admins see connection settings (never key
// bytes: the service's DTOs have none) and add, change, test and remove clusters through ClustersService.
import { CLUSTER_NAME } from '@trainboard/shared/auth/roles';
import type { Actor } from '../auth/actor.js';
import { route, type RouteDef } from '../http/routeTable.js';
import { HttpError } from './errors.js';
import { parseBody } from './users.router.js';

/** The part of ClustersService (clusters/clusters.service.ts) this router calls. */
export interface ClustersApi {
  /** 'admin' adds connection settings (never key bytes); 'public' is names, kinds and defaults. */
  list(view: 'admin' | 'public'): object[];
  /** Validates `input` (zod, strict patterns) and throws AppError(400) on a bad field. */
  add(input: unknown, actor: Actor): object;
  update(name: string, patch: unknown, actor: Actor): object;
  remove(name: string, actor: Actor): void;
  test(name: string): Promise<unknown>;
}

export function clustersRouter(clusters: ClustersApi | null): RouteDef[] {
  const service = () => {
    if (!clusters) throw new HttpError(503, 'unavailable', 'clusters are not managed by this server');
    return clusters;
  };
  const name = (raw: unknown) => parseBody(CLUSTER_NAME, raw);
  return [
    route('get', '/api/clusters', 'viewer', (req, res) => {
      res.json({ clusters: service().list(req.actor?.role === 'admin' ? 'admin' : 'public') });
    }),
    route('post', '/api/clusters', 'admin', (req, res) => {
      res.status(201).json(service().add(req.body, req.actor!));
    }),
    route('patch', '/api/clusters/:name', 'admin', (req, res) => {
      res.json(service().update(name(req.params.name), req.body, req.actor!));
    }),
    route('delete', '/api/clusters/:name', 'admin', (req, res) => {
      service().remove(name(req.params.name), req.actor!);
      res.status(204).end();
    }),
    route('post', '/api/clusters/:name/test', 'admin', async (req, res) => {
      res.json(await service().test(name(req.params.name)));
    }),
  ];
}
