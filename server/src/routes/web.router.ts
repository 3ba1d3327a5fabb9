// The built dashboard (web/dist) in production: static files, and index.html for any other GET outside /api and
// /socket.io, so a shared link such as /runs/3?x=tokens opens the app (client-side routing).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';

export function webRouter(distDir: string): Router {
  const root = resolve(distDir);
  if (!existsSync(join(root, 'index.html')))
    throw new Error(`no built dashboard in ${root} (run: npm run build -w @trainboard/web)`);
  const router = Router();
  router.use(
    express.static(root, {
      index: 'index.html',
      maxAge: '1h',
      setHeaders: (res, path) => {
        if (path.endsWith('index.html')) res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  router.get(/^(?!\/api\/|\/socket\.io\/).*/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(root, 'index.html'));
  });
  return router;
}
