import { describe, expect, it } from 'vitest';
import { chartChoices, shownChartIds, toggleChart } from './chartIds.js';
import { createCursorStore, cursorIndex, stepCursor } from './cursor.js';
import { layoutMarkLabels } from './markLabels.js';
import { chartSummary } from './summary.js';

const opts = { width: 400, charWidth: 6, gap: 3, lanes: 2 };

describe('layoutMarkLabels', () => {
  it('puts each label to the right of its own line', () => {
    const placed = layoutMarkLabels([{ x: 50, text: 'job start' }], opts);
    expect(placed).toEqual([{ index: 0, x: 53, side: 'right', lane: 0, text: 'job start' }]);
  });

  it('moves a label to the left of its line near the right edge', () => {
    const [p] = layoutMarkLabels([{ x: 390, text: 'restart 1' }], opts);
    expect(p).toMatchObject({ side: 'left', x: 387, lane: 0 });
  });

  it('never lets two labels overlap: a close second one goes to the next lane, or its other side', () => {
    const placed = layoutMarkLabels(
      [
        { x: 100, text: 'restart 1' },
        { x: 110, text: 'CUDA error' },
        { x: 120, text: 'restart 2' },
      ],
      opts,
    );
    const spans = placed.map((p) => {
      const w = p.text.length * opts.charWidth;
      return { lane: p.lane, a: p.side === 'right' ? p.x : p.x - w, b: p.side === 'right' ? p.x + w : p.x };
    });
    for (const s of spans)
      for (const t of spans) if (s !== t && s.lane === t.lane) expect(s.b <= t.a || s.a >= t.b).toBe(true);
    // Each label stays beside its own line.
    for (const p of placed) expect(Math.abs(p.x - [100, 110, 120][p.index]!)).toBe(opts.gap);
    // The third has no free spot beside its line in two lanes: it is left out, not overprinted.
    expect(placed.map((p) => p.index)).toEqual([0, 1]);
  });

  it('leaves a label out when every lane is taken, rather than overprinting', () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ x: 100 + i, text: 'restart' }));
    const placed = layoutMarkLabels(many, { ...opts, lanes: 2 });
    expect(placed.length).toBe(4); // two lanes × (right, left)
    expect(new Set(placed.map((p) => `${p.lane}:${p.side}`)).size).toBe(4);
  });

  it('shortens a label longer than half the plot', () => {
    const [p] = layoutMarkLabels([{ x: 0, text: 'x'.repeat(80) }], { ...opts, width: 120 });
    expect(p?.text).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('cursor sync', () => {
  it('maps the shared iteration to each chart its own nearest point', () => {
    const dense = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const sparse = Float64Array.from([0, 4, 8]);
    expect(cursorIndex(dense, 5)).toBe(4);
    expect(cursorIndex(sparse, 5)).toBe(1);
    expect(cursorIndex(sparse, 7)).toBe(2);
    expect(cursorIndex(sparse, null)).toBe(-1);
    expect(cursorIndex(new Float64Array(0), 3)).toBe(-1);
  });

  it('tells every subscriber, once per change', () => {
    const store = createCursorStore();
    const seen: (number | null)[] = [];
    const stop = store.subscribe(() => seen.push(store.get()));
    store.set(10);
    store.set(10);
    store.set(null);
    stop();
    store.set(3);
    expect(seen).toEqual([10, null]);
  });
});

describe('stepCursor', () => {
  it('starts at the newest point, then steps one point per arrow', () => {
    expect(stepCursor(-1, 'ArrowRight', 50)).toBe(49);
    expect(stepCursor(-1, 'ArrowLeft', 50)).toBe(49);
    expect(stepCursor(10, 'ArrowLeft', 50)).toBe(9);
    expect(stepCursor(10, 'ArrowRight', 50)).toBe(11);
  });

  it('jumps a tenth with shift or page keys, to the ends with Home/End, and stays inside', () => {
    expect(stepCursor(10, 'ArrowRight', 50, true)).toBe(15);
    expect(stepCursor(10, 'PageDown', 50)).toBe(5);
    expect(stepCursor(2, 'PageDown', 50)).toBe(0);
    expect(stepCursor(48, 'ArrowRight', 50, true)).toBe(49);
    expect(stepCursor(10, 'Home', 50)).toBe(0);
    expect(stepCursor(10, 'End', 50)).toBe(49);
  });

  it('ignores other keys and empty charts', () => {
    expect(stepCursor(3, 'a', 50)).toBeNull();
    expect(stepCursor(-1, 'ArrowRight', 0)).toBeNull();
  });
});

describe('chartSummary', () => {
  it('says the latest value, the range in view and a falling trend', () => {
    const iterations = [10, 20, 30, 40, 50];
    const values = [9, 7, 5, 4, 3];
    expect(chartSummary({ iterations, values, smooth: values })).toBe(
      'latest 3 at iteration 50; in view (iterations 10–50): min 3 at 50, max 9 at 10; ' +
        'trend falling (−25% over the last quarter of the view)',
    );
  });

  it('calls a steady curve flat and skips NaN in the range', () => {
    const s = chartSummary({ iterations: [1, 2, 3], values: [2, NaN, 2], smooth: [2, 2, 2] });
    expect(s).toBe('latest 2 at iteration 3; in view (iterations 1–3): min 2 at 1, max 2 at 1; trend flat');
  });

  it('has words for no data', () => {
    expect(chartSummary({ iterations: [], values: [], smooth: [] })).toBe('no data yet');
  });
});

describe('chart picker ids', () => {
  const titles = { lmLoss: 'training loss', gradNorm: 'grad norm' };
  const choices = chartChoices(['lmLoss', 'gradNorm'], ['valid', 'c4-en'], titles);

  it('offers the metrics present and a validation chart per group, with URL-safe ids', () => {
    expect(choices.map((c) => c.id)).toEqual(['lmLoss', 'gradNorm', 'val_valid', 'val_c4_en']);
    expect(choices[3]?.title).toBe('validation loss: c4-en');
  });

  it('shows everything by default, but not 29 validation charts', () => {
    expect([...shownChartIds(choices, null)]).toEqual(['lmLoss', 'gradNorm', 'val_valid', 'val_c4_en']);
    const many = chartChoices(
      ['lmLoss'],
      Array.from({ length: 29 }, (_, i) => `g${i}`),
      titles,
    );
    expect([...shownChartIds(many, null)]).toEqual(['lmLoss']);
  });

  it('toggles into the URL list, and back to null when that is the default', () => {
    const off = toggleChart(choices, null, 'gradNorm', false);
    expect(off).toEqual(['lmLoss', 'val_valid', 'val_c4_en']);
    expect(toggleChart(choices, off, 'gradNorm', true)).toBeNull();
  });
});
