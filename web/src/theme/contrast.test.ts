// Both themes' text colours against every surface they are drawn on, at WCAG AA for normal text (4.5:1), computed
// from the tokens in styles.css itself: a token edited to a pale colour fails here, not in a user's eyes.
/// <reference types="node" />
// eslint-disable-next-line no-restricted-imports -- a test reads the stylesheet it checks; nothing ships
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contrastRatio, luminance, mix, parseHex, themeTokens, type Rgb } from './contrast.js';

const AA = 4.5;
// Read from disk: vitest hands CSS imports (even ?raw) over empty.
const css = readFileSync(new URL('../styles.css', import.meta.url), 'utf8');

describe('contrast arithmetic', () => {
  it('matches the WCAG reference values', () => {
    expect(contrastRatio(parseHex('#000'), parseHex('#fff'))).toBeCloseTo(21, 5);
    expect(contrastRatio(parseHex('#fff'), parseHex('#fff'))).toBe(1);
    // WebAIM's checker: #767676 on white is the palest grey that passes AA (4.54:1).
    expect(contrastRatio(parseHex('#767676'), parseHex('#ffffff'))).toBeCloseTo(4.54, 2);
    expect(contrastRatio(parseHex('#16a34a'), parseHex('#ffffff'))).toBeCloseTo(3.3, 1);
    expect(luminance(parseHex('#808080'))).toBeCloseTo(0.2159, 4);
  });
  it('blends like color-mix in srgb and reads the tokens of a rule', () => {
    expect(mix(parseHex('#ffffff'), 50, parseHex('#000000'))).toEqual([128, 128, 128]);
    expect(themeTokens('/* x */ :root, [data-theme="a"] { --text: #fff; --bg:#000 ; }', '[data-theme="a"]')).toEqual({
      text: '#fff',
      bg: '#000',
    });
    expect(() => parseHex('var(--x)')).toThrow();
  });
});

/** Every text colour of the stylesheet, on every surface it is drawn on. */
function pairs(t: (name: string) => Rgb): [string, Rgb, Rgb][] {
  const surfaces: [string, Rgb][] = [
    ['bg', t('bg')],
    ['panel', t('panel')],
  ];
  const onSurfaces = ['text', 'muted', 'accent', 'bad', 'good', 'warn'].flatMap((fg) =>
    surfaces.map(([name, bg]): [string, Rgb, Rgb] => [`${fg} on ${name}`, t(fg), bg]),
  );
  return [
    ...onSurfaces,
    ['text on grid (state pills, hover)', t('text'), t('grid')],
    ['text on a focused log line', t('text'), mix(t('accent'), 22, t('panel'))],
    ['bad on a slow GPU cell', t('bad'), mix(t('bad'), 12, t('panel'))],
    ['primary button', t('bg'), t('accent')],
    ['danger button', t('bg'), t('bad')],
    ['running pill', t('on-pill'), t('pill-running')],
    ['completed pill', t('on-pill'), t('pill-completed')],
    ['failed pill', t('on-pill'), t('pill-failed')],
  ];
}

for (const theme of ['light', 'dark'])
  describe(`the ${theme} theme`, () => {
    const tokens = themeTokens(css, `[data-theme='${theme}']`);
    const t = (name: string) => {
      const v = tokens[name];
      if (v === undefined) throw new Error(`--${name} missing in the ${theme} theme`);
      return parseHex(v);
    };
    it('gives every text colour at least 4.5:1 on its surfaces', () => {
      const failing = pairs(t)
        .map(([what, fg, bg]) => ({ what, ratio: Number(contrastRatio(fg, bg).toFixed(2)) }))
        .filter((p) => p.ratio < AA);
      expect(failing).toEqual([]);
    });
  });
