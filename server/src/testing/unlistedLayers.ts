// For the route-table tests: every Express layer of an app that is neither known edge middleware nor a route of the
// app's route table (registeredRoutes), so a handler mounted around the table is caught.
import type { Express } from 'express';
import { registeredRoutes } from '../http/routeTable.js';

interface Layer {
  name: string;
  route?: { path: string | RegExp; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** The edge middleware createApp mounts (by function name), plus the route table's router. */
const EDGE_MIDDLEWARE = new Set([
  'requestId',
  'hostAllowList',
  'helmetMiddleware',
  'jsonParser',
  'apiLimiter',
  'session',
  'authenticate',
  'originCheck',
  'notFound',
  'errorHandler',
  'router',
]);

/** `method path` of every route layer not in the table, `middleware name` of every unknown middleware. */
export function unlistedLayers(app: Express): string[] {
  const known = new Set(registeredRoutes(app).map((d) => `${d.method} ${String(d.path)}`));
  const unknown: string[] = [];
  const walk = (layers: Layer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all'))
          if (!known.has(`${method} ${String(layer.route.path)}`))
            unknown.push(`${method} ${String(layer.route.path)}`);
      } else if (layer.handle.stack) walk(layer.handle.stack);
      else if (!EDGE_MIDDLEWARE.has(layer.name)) unknown.push(`middleware ${layer.name}`);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return unknown;
}
