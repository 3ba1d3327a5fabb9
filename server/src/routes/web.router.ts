// The built dashboard (web/dist) in production: static files, and index.html for any other GET outside /api and
// /socket.io, so a shared link such as /runs/3?x=tokens opens the app (client-side routing). index.html answers 200
// for the app's pages (shared/src/dashboard/appRoutes.ts) and 404 for any other path, where the app draws its
// not-found page: a mistyped link is a 404 to the browser, crawlers and monitors too. Public: the app holds
// no data and asks /api/auth/me who is signed in. Compressed (the app chunk is ~700 KB, ~220 KB gzipped); Vite's
// content-hashed files under assets/ never change, so browsers keep them a year, while index.html is revalidated.
import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import compression from 'compression';
import express from 'express';
import { matchAppRoute } from '@trainboard/shared/dashboard/appRoutes';
import { route, type RouteDef } from '../http/routeTable.js';

export function webRouter(distDir: string): RouteDef[] {
  const root = resolve(distDir);
  if (!existsSync(join(root, 'index.html')))
    throw new Error(`no built dashboard in ${root} (run: npm run build -w @trainboard/web)`);
  const hashedAssets = join(root, 'assets') + sep;
  const compress = compression();
  const serveStatic = express.static(root, {
    index: 'index.html',
    maxAge: '1h',
    setHeaders: (res, path) => {
      if (path.startsWith(hashedAssets)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      else if (path.endsWith('index.html')) res.setHeader('Cache-Control', 'no-cache');
    },
  });
  return [
    route(
      'get',
      /^(?!\/api\/|\/socket\.io\/).*/,
      'anonymous',
      (req, res, next) =>
        compress(req, res, () =>
          serveStatic(req, res, (err?: unknown) => {
            if (err) return next(err);
            res.setHeader('Cache-Control', 'no-cache');
            res.status(matchAppRoute(req.path) ? 200 : 404).sendFile(join(root, 'index.html'));
          }),
        ),
      { summary: 'the dashboard: its files, its pages, and its not-found page (404)' },
    ),
  ];
}
