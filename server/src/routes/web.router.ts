// The built dashboard (web/dist) in production: static files, and index.html for any other GET outside /api and
// /socket.io, so a shared link such as /runs/3?x=tokens opens the app (client-side routing). Public: the app holds
// no data and asks /api/auth/me who is signed in.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express from 'express';
import { route, type RouteDef } from '../http/routeTable.js';

export function webRouter(distDir: string): RouteDef[] {
  const root = resolve(distDir);
  if (!existsSync(join(root, 'index.html')))
    throw new Error(`no built dashboard in ${root} (run: npm run build -w @trainboard/web)`);
  const serveStatic = express.static(root, {
    index: 'index.html',
    maxAge: '1h',
    setHeaders: (res, path) => {
      if (path.endsWith('index.html')) res.setHeader('Cache-Control', 'no-cache');
    },
  });
  return [
    route(
      'get',
      /^(?!\/api\/|\/socket\.io\/).*/,
      'anonymous',
      (req, res, next) =>
        serveStatic(req, res, (err?: unknown) => {
          if (err) return next(err);
          res.setHeader('Cache-Control', 'no-cache');
          res.sendFile(join(root, 'index.html'));
        }),
      { summary: 'the dashboard and its SPA fallback' },
    ),
  ];
}
