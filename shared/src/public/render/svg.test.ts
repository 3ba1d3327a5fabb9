import { describe, expect, it } from 'vitest';
import { eventAttributes } from '../../testing/markup.js';
import { samplePublicSnapshot } from '../../testing/publicSnapshot.js';
import { renderBadge } from './badge.js';
import { downsample, niceTicks, renderLossChart } from './lossChart.js';
import { renderWidget, truncate } from './widget.js';

const HOSTILE = "</title><script>alert(1)</script>\"onload='x'";
const hostile = () => samplePublicSnapshot({ title: HOSTILE });

/** No raw markup from the title: no script, no event attribute, no stray quote closing an attribute. */
function expectSafe(svg: string): void {
  expect(svg).not.toContain('<script');
  expect(svg).not.toContain('"onload=');
  expect(eventAttributes(svg)).toEqual([]);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.endsWith('</svg>')).toBe(true);
}

describe('downsample()', () => {
  it('keeps short curves and bounds long ones, keeping spikes', () => {
    const short: [number, number][] = [
      [1, 2],
      [2, 3],
    ];
    expect(downsample(short, 10)).toEqual(short);
    const long: [number, number][] = Array.from({ length: 1000 }, (_, i) => [i, i === 500 ? 99 : 1]);
    const out = downsample(long, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.some((p) => p[1] === 99)).toBe(true);
    expect(out.map((p) => p[0])).toEqual([...out.map((p) => p[0])].sort((a, b) => a - b));
  });
});

describe('niceTicks()', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(2.9, 11.3, 5)).toEqual([4, 6, 8, 10]);
    expect(niceTicks(3, 3, 5)).toEqual([3]);
  });
});

describe('renderLossChart()', () => {
  it('draws the train line and one dot per validation point, labelled', () => {
    const svg = renderLossChart(samplePublicSnapshot(), { width: 1200, height: 630, heading: 'BLOOM demo run' });
    expect(svg).toContain('width="1200" height="630"');
    expect(svg.match(/<path class="train"/g)).toHaveLength(1);
    expect(svg.match(/<circle class="val"/g)).toHaveLength(2);
    expect(svg).toContain('aria-label="Loss curve of BLOOM demo run"');
    expect(svg).not.toContain('NaN');
  });

  it('escapes the title in heading and label', () => {
    const svg = renderLossChart(hostile(), { width: 600, height: 300, heading: HOSTILE, subheading: HOSTILE });
    expectSafe(svg);
  });
});

describe('renderBadge() and renderWidget()', () => {
  it('say the state, the progress and the loss', () => {
    const badge = renderBadge(samplePublicSnapshot());
    expect(badge).toContain('>training</text>');
    expect(badge).toContain('>24% · loss 3.4</text>');
    const widget = renderWidget(samplePublicSnapshot());
    expect(widget).toContain('>BLOOM demo run</text>');
    expect(widget).toContain('>Training</text>');
    expect(widget).toContain('Updated 2026-12-06 17:00 UTC');
    expect(widget).toMatch(/<rect x="16" y="72" width="56.64"/); // 24% of the bar
  });

  it('escape a hostile title', () => {
    expectSafe(renderBadge(hostile()));
    expectSafe(renderWidget(hostile()));
  });

  it('truncate raw text before escaping it', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    const widget = renderWidget(samplePublicSnapshot({ title: 'x'.repeat(32) + '&b' + 'y'.repeat(10) }));
    expect(widget).toContain(`>${'x'.repeat(32)}&amp;…</text>`);
  });
});
