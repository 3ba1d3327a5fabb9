// /api/clusters: every signed-in user sees names, kinds and defaults; admins see connection settings (never key
// bytes: the service's DTO has none) and add, change, test and remove clusters through WP-B's ClustersService.
import type { Actor } from '../auth/actor.js';
import { CLUSTER_NAME } from '@trainboard/shared/auth/roles';
import { route, type RouteDef } from '../http/routeTable.js';
import { HttpError } from './errors.js';
import { parseBody } from './users.router.js';

/** The part of ClustersService (server/src/clusters/clusters.service.ts, PLAN §3.2) this router calls. */
export interface ClustersApi {
  list(): Record<string, unknown>[];
  /** Validates `input` (zod, strict patterns) and throws AppError(400) on a bad field. */
  add(input: unknown, actor: Actor): Record<string, unknown>;
  update?(name: string, patch: unknown, actor: Actor): Record<string, unknown>;
  remove(name: string, actor: Actor): void;
  test(name: string): Promise<unknown>;
}

/** Fields any signed-in user may see: what to pick in a submit form, not how to connect. */
const PUBLIC_FIELDS = [
  'id',
  'name',
  'kind',
  'defaultPartition',
  'defaultAccount',
  'defaultQos',
  'template',
  'profile',
  'disabled',
];
const publicCluster = (c: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(c).filter(([k]) => PUBLIC_FIELDS.includes(k)));

export function clustersRouter(clusters: ClustersApi | null): RouteDef[] {
  const service = () => {
    if (!clusters) throw new HttpError(503, 'unavailable', 'clusters are not managed by this server');
    return clusters;
  };
  const name = (raw: unknown) => parseBody(CLUSTER_NAME, raw);
  return [
    route('get', '/api/clusters', 'viewer', (req, res) => {
      const all = service().list();
      res.json({ clusters: req.actor?.role === 'admin' ? all : all.map(publicCluster) });
    }),
    route('post', '/api/clusters', 'admin', (req, res) => {
      res.status(201).json(service().add(req.body, req.actor!));
    }),
    route('patch', '/api/clusters/:name', 'admin', (req, res) => {
      const update = service().update;
      if (!update)
        throw new HttpError(501, 'not_implemented', 'changing a cluster is not supported: remove and add it');
      res.json(update.call(clusters, name(req.params.name), req.body, req.actor!));
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
