// A legend's or read-out's sample of a line.
/** A short sample of a line, its colour and dash: the text beside it stays in the text colour (contrast). */
export function LineSwatch({ color, dash }: { color: string; dash: readonly number[] | null }) {
  return (
    <svg width="18" height="8" aria-hidden="true" className="swatch">
      <line x1="0" x2="18" y1="4" y2="4" stroke={color} strokeWidth="2" strokeDasharray={dash?.join(' ')} />
    </svg>
  );
}
