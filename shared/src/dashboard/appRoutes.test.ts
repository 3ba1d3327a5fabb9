import { describe, expect, it } from 'vitest';
import { APP_ROUTES, matchAppRoute, parseRunId, runPath } from './appRoutes.js';

describe('matchAppRoute()', () => {
  it('knows every page of the route table, with or without a trailing slash', () => {
    for (const r of APP_ROUTES) {
      const path = r.path.replace(':runId', '7');
      expect(matchAppRoute(path)?.page).toBe(r.page);
      if (path !== '/') expect(matchAppRoute(`${path}/`)?.page).toBe(r.page);
    }
    expect(matchAppRoute(runPath(42))).toEqual({ page: 'run', runId: 42 });
  });

  it('has no page for unknown paths, bad run ids or deeper paths', () => {
    for (const path of [
      '/nope',
      '/runs',
      '/runs/',
      '/runs/abc',
      '/runs/1e3',
      '/runs/0x1',
      '/runs/-1',
      '/runs/1234567890',
      '/runs/1/extra',
      '/submit/x',
      '/audit//',
    ])
      expect(matchAppRoute(path), path).toBeNull();
  });
});

describe('parseRunId()', () => {
  it('takes 1 to 9 digits only', () => {
    expect(parseRunId('999')).toBe(999);
    expect(parseRunId(undefined)).toBeNull();
    expect(parseRunId('')).toBeNull();
    expect(parseRunId(' 1')).toBeNull();
  });
});
