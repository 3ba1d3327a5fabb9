// The dashboard's pages as data: the browser's router draws them, and the server answers index.html with 200 for
// exactly these paths and 404 for any other (the app then draws its not-found page). One list, so the two never
// disagree about what exists.

export type AppPage = 'runs' | 'run' | 'submit' | 'audit';

export interface AppRouteDef {
  page: AppPage;
  /** The path in React Router's syntax (`:runId` is a parameter). */
  path: string;
}

export const APP_ROUTES: readonly AppRouteDef[] = [
  { page: 'runs', path: '/' },
  { page: 'run', path: '/runs/:runId' },
  { page: 'submit', path: '/submit' },
  { page: 'audit', path: '/audit' },
];

export type AppRoute = { page: 'runs' } | { page: 'run'; runId: number } | { page: 'submit' } | { page: 'audit' };

/** A run id as it may appear in a path: 1 to 9 digits, no sign, exponent or hex. Null for anything else. */
export function parseRunId(text: string | undefined): number | null {
  return text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : null;
}

/** The page a path shows (one trailing slash allowed), or null when it is no page of the dashboard. */
export function matchAppRoute(pathname: string): AppRoute | null {
  const path = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname;
  const run = /^\/runs\/([^/]*)$/.exec(path);
  if (run) {
    const runId = parseRunId(run[1]);
    return runId === null ? null : { page: 'run', runId };
  }
  const fixed = APP_ROUTES.find((r) => r.page !== 'run' && r.path === path);
  return fixed ? ({ page: fixed.page } as AppRoute) : null;
}

export const runPath = (runId: number): string => `/runs/${runId}`;
