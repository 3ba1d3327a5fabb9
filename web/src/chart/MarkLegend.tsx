// The key to the charts' vertical marks: each kind present with its line (colour and dash) and its glyph, so a
// failure, a restart and a checkpoint are told apart without colour.
import { MARK_KINDS, MARK_STYLES, type ChartAnnotation } from './markStyle.js';

export function MarkLegend({ annotations }: { annotations: readonly ChartAnnotation[] }) {
  const present = new Set(annotations.filter((a) => a.iteration !== null).map((a) => a.kind));
  const kinds = MARK_KINDS.filter((k) => present.has(k));
  if (kinds.length === 0) return null;
  return (
    <ul className="mark-legend" aria-label="marks on the charts" data-testid="mark-legend">
      {kinds.map((k) => {
        const s = MARK_STYLES[k];
        return (
          <li key={k}>
            <svg width="22" height="14" aria-hidden="true">
              <line
                x1="11"
                x2="11"
                y1="0"
                y2="14"
                style={{ stroke: s.color }}
                strokeWidth={s.width}
                strokeDasharray={s.dash}
              />
            </svg>
            <span style={{ color: s.color }} aria-hidden="true">
              {s.glyph}
            </span>{' '}
            {s.word}
          </li>
        );
      })}
    </ul>
  );
}
