// Client-side routes (/, /runs/:id, /submit, /audit) on the History API, and the view state kept in the query string.
import { useCallback, useEffect, useState } from 'react';
import { decodeView, encodeView, type ViewState } from '@trainboard/shared/dashboard/viewState';

export type Route = { page: 'runs' } | { page: 'run'; runId: number } | { page: 'submit' } | { page: 'audit' };

export function parseRoute(pathname: string): Route {
  const m = /^\/runs\/(\d{1,9})\/?$/.exec(pathname);
  if (m) return { page: 'run', runId: Number(m[1]) };
  if (/^\/submit\/?$/.test(pathname)) return { page: 'submit' };
  if (/^\/audit\/?$/.test(pathname)) return { page: 'audit' };
  return { page: 'runs' };
}

export function navigate(to: string): void {
  window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The current location, re-read on back/forward and on navigate(). */
export function useLocation(): { pathname: string; search: string } {
  const read = () => ({ pathname: window.location.pathname, search: window.location.search });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const on = () => setLoc(read());
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return loc;
}

/** The view state of the URL; updates replace the history entry so the back button leaves the page, not each tweak. */
export function useView(search: string): [ViewState, (patch: Partial<ViewState>) => void] {
  const view = decodeView(search);
  const update = useCallback((patch: Partial<ViewState>) => {
    const next = { ...decodeView(window.location.search), ...patch };
    window.history.replaceState(null, '', `${window.location.pathname}${encodeView(next)}`);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, []);
  return [view, update];
}
