// A route table mounted without the edge or role guards: for unit tests of one router's handlers (paging, limits,
// errors). Authorization is tested on the whole app (http/authz.test.ts), never here.
import { Router } from 'express';
import { mountRoutes, type RouteDef } from '../http/routeTable.js';

export function plainRouter(defs: readonly RouteDef[]): Router {
  const router = Router();
  mountRoutes(router, defs, () => []);
  return router;
}
