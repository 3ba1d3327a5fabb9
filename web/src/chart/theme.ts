// The page theme's colours for canvas drawing. The theme is an attribute of <html>; the colours are read once per
// theme, since getComputedStyle on every draw would force a style recalculation.
export interface CanvasColors {
  accent: string;
  bad: string;
}

const colorsByTheme = new Map<string, CanvasColors>();

export function currentTheme(): string {
  return document.documentElement.dataset.theme ?? '';
}

export function themeColors(theme: string): CanvasColors {
  let colors = colorsByTheme.get(theme);
  if (!colors) {
    const css = getComputedStyle(document.documentElement);
    colors = {
      accent: css.getPropertyValue('--accent').trim() || '#60a5fa',
      bad: css.getPropertyValue('--bad').trim() || '#f87171',
    };
    colorsByTheme.set(theme, colors);
  }
  return colors;
}

/** Calls back when the theme attribute changes (for useSyncExternalStore): the canvas redraws in the new colours. */
export function subscribeTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => observer.disconnect();
}

/** The canvas' 2D context, its backing store sized to the CSS size times the device pixel ratio. */
export function sizedContext(
  el: HTMLCanvasElement | null,
  width: number,
  height: number,
): CanvasRenderingContext2D | null {
  const ctx = el?.getContext('2d');
  if (!el || !ctx) return null;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(width * dpr);
  const h = Math.round(height * dpr);
  if (el.width !== w || el.height !== h) [el.width, el.height] = [w, h];
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}
