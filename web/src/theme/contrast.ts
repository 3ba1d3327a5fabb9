// WCAG 2 contrast, pure: sRGB hex colours, relative luminance, the contrast ratio, `color-mix(in srgb, …)` blends,
// and the theme tokens (CSS custom properties) of a stylesheet, so a unit test can hold both themes to 4.5:1.

export type Rgb = readonly [number, number, number];

/** `#rgb` or `#rrggbb` to 0–255 channels; throws on anything else (tokens must stay plain hex to be checked). */
export function parseHex(hex: string): Rgb {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new Error(`not a hex colour: ${hex}`);
  const h = (m[1] as string).length === 3 ? [...(m[1] as string)].map((c) => c + c).join('') : (m[1] as string);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as unknown as Rgb;
}

/** WCAG 2 relative luminance. */
export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two colours, 1–21. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `color-mix(in srgb, a pct%, b)`: `pct` (0–100) of `a` over `b`. */
export function mix(a: Rgb, pct: number, b: Rgb): Rgb {
  const t = pct / 100;
  return a.map((c, i) => Math.round(c * t + (b[i] as number) * (1 - t))) as unknown as Rgb;
}

/** The `--name: value` custom properties of the first rule whose selector list contains `selector`. */
export function themeTokens(css: string, selector: string): Record<string, string> {
  const uncommented = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const rule of uncommented.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selectors = (rule[1] as string).split(',').map((s) => s.trim());
    if (!selectors.includes(selector)) continue;
    const tokens: Record<string, string> = {};
    for (const d of (rule[2] as string).matchAll(/--([\w-]+)\s*:\s*([^;]+);/g))
      tokens[d[1] as string] = (d[2] as string).trim();
    return tokens;
  }
  throw new Error(`no rule for ${selector}`);
}
