// Where the labels of a chart's vertical marks go: each beside its own line (to the right, or to the left near the
// right edge), in the first lane (row) where it overlaps no other label, so two close restarts never print over
// each other. A label with no free lane is left out (its line and glyph stay; the read-out names it). Pure: the
// chart measures nothing, a label's width is its length times an average character width.

export interface LabelRequest {
  /** The mark's line, px from the plot's left edge. */
  x: number;
  text: string;
}

export interface PlacedLabel {
  /** Index into the requests. */
  index: number;
  /** The text's anchor: its left edge (side 'right') or its right edge (side 'left'), px. */
  x: number;
  side: 'right' | 'left';
  lane: number;
  /** The text, shortened with an ellipsis when it would take more than half the plot. */
  text: string;
}

export interface LabelLayoutOptions {
  width: number;
  charWidth: number;
  /** Space between the line and its label, px. */
  gap: number;
  lanes: number;
}

export function layoutMarkLabels(marks: readonly LabelRequest[], o: LabelLayoutOptions): PlacedLabel[] {
  const maxChars = Math.max(4, Math.floor(o.width / 2 / o.charWidth));
  const taken: [number, number][][] = Array.from({ length: o.lanes }, () => []);
  const order = marks.map((_, i) => i).sort((a, b) => (marks[a] as LabelRequest).x - (marks[b] as LabelRequest).x);
  const placed: PlacedLabel[] = [];
  for (const index of order) {
    const m = marks[index] as LabelRequest;
    const text = m.text.length > maxChars ? `${m.text.slice(0, maxChars - 1)}…` : m.text;
    const w = text.length * o.charWidth;
    const right: [number, number] = [m.x + o.gap, m.x + o.gap + w];
    const left: [number, number] = [m.x - o.gap - w, m.x - o.gap];
    const sides = (
      [
        ['right', right],
        ['left', left],
      ] as const
    ).filter(([, span]) => span[0] >= 0 && span[1] <= o.width);
    const spot = firstFree(taken, sides);
    if (!spot) continue;
    const [lane, side, span] = spot;
    (taken[lane] as [number, number][]).push(span);
    placed.push({ index, x: side === 'right' ? span[0] : span[1], side, lane, text });
  }
  return placed.sort((a, b) => a.index - b.index);
}

function firstFree(
  taken: [number, number][][],
  sides: readonly (readonly ['right' | 'left', [number, number]])[],
): [number, 'right' | 'left', [number, number]] | null {
  for (let lane = 0; lane < taken.length; lane++) {
    for (const [side, span] of sides) {
      const clear = (taken[lane] as [number, number][]).every(([a, b]) => span[1] <= a || span[0] >= b);
      if (clear) return [lane, side, span];
    }
  }
  return null;
}
