// The colour theme: a person's choice is remembered in this browser (localStorage), and a link that names a theme
// (?theme=light) still wins for the page it opens — without overwriting the remembered choice.
import { DEFAULT_VIEW, THEMES, type Theme } from '@trainboard/shared/dashboard/viewState';

export const THEME_STORAGE_KEY = 'trainboard.theme';

/** The theme to show: the URL's when it names one, else the remembered one, else the default. */
export function resolveTheme(search: string, remembered: string | null): Theme {
  const fromUrl = new URLSearchParams(search).get('theme');
  if (THEMES.includes(fromUrl as Theme)) return fromUrl as Theme;
  return THEMES.includes(remembered as Theme) ? (remembered as Theme) : DEFAULT_VIEW.theme;
}

/** The remembered theme; null when none is, or storage is unavailable (private mode, blocked cookies). */
export function rememberedTheme(): string | null {
  try {
    return window.localStorage.getItem(THEME_STORAGE_KEY);
  } catch {
    return null;
  }
}

const listeners = new Set<() => void>();

/** Calls `listener` when the remembered theme changes, here or in another tab (for useSyncExternalStore). */
export function subscribeTheme(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('storage', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', listener);
  };
}

export function rememberTheme(theme: Theme): void {
  try {
    window.localStorage.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // Not remembered: the URL still carries it for this page.
  }
  for (const l of listeners) l();
}
