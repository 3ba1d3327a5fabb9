// The view state of a run page (axis, smoothing, zoom, charts, theme) lives in the URL's query string, read and
// written through React Router. Updates replace the history entry, so the back button leaves the page rather than
// undoing each tweak. The theme falls back to the remembered one when the URL names none (theme.ts).
import { useCallback, useMemo, useRef, useSyncExternalStore } from 'react';
import { useSearchParams } from 'react-router';
import { decodeView, encodeView, type ViewState } from '@trainboard/shared/dashboard/viewState';
import { rememberedTheme, rememberTheme, resolveTheme, subscribeTheme } from './theme.js';

export type SetView = (patch: Partial<ViewState>) => void;

/** The URL's query after applying `patch` to the view it encodes (keys outside the view state are dropped). */
export function patchedSearch(search: string, patch: Partial<ViewState>): string {
  return encodeView({ ...decodeView(search), ...patch });
}

export function useView(): [ViewState, SetView] {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const remembered = useSyncExternalStore(subscribeTheme, rememberedTheme);
  const view = useMemo(
    () => ({ ...decodeView(search), theme: resolveTheme(search, remembered) }),
    [search, remembered],
  );
  // A stable setter (children keep it in effect deps). It reads the live URL, not this render's copy: two updates
  // in one event both apply (the router writes the URL synchronously, see mountApp's useTransitions={false}).
  const setParamsRef = useRef(setParams);
  setParamsRef.current = setParams;
  const setView = useCallback<SetView>((patch) => {
    if (patch.theme) rememberTheme(patch.theme);
    setParamsRef.current(new URLSearchParams(patchedSearch(window.location.search, patch)), { replace: true });
  }, []);
  return [view, setView];
}
