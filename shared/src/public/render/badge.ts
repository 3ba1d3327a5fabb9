// A README badge in the style of shields.io: "training | 24% · loss 3.4". Fixed colours (it sits on any page) with
// white text at ≥ 4.5:1 contrast on every fill. Text widths are estimated (no font metrics in a pure function).
import type { PublicSnapshot, PublicState } from '../snapshot.js';
import { CHART_FONT } from './lossChart.js';
import { esc } from './escape.js';
import { STATE_WORDS, summaryLine } from './words.js';

export const STATE_COLOURS: Record<PublicState, string> = {
  queued: '#57606a',
  training: '#1a7f37',
  stalled: '#9a6700',
  restarting: '#9a6700',
  finished: '#0969da',
  stopped: '#57606a',
  unknown: '#57606a',
};

/** Roughly the width of text at 11px DejaVu/Verdana-like fonts. */
export const textWidth = (text: string): number => Math.ceil(text.length * 7 + 10);

export function renderBadge(s: PublicSnapshot): string {
  const left = STATE_WORDS[s.state].toLowerCase();
  const right = summaryLine(s).split(' · ').slice(1).join(' · ') || '—';
  const lw = textWidth(left);
  const rw = textWidth(right);
  const w = lw + rw;
  const label = `${left}: ${right}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" viewBox="0 0 ${w} 20" role="img" ` +
    `aria-label="${esc(label)}"><title>${esc(`${s.title}: ${label}`)}</title>` +
    `<rect width="${lw}" height="20" rx="3" fill="#24292f"/>` +
    `<rect x="${lw}" width="${rw}" height="20" rx="3" fill="${STATE_COLOURS[s.state]}"/>` +
    `<rect x="${lw}" width="4" height="20" fill="${STATE_COLOURS[s.state]}"/>` +
    `<g fill="#ffffff" font-family="${CHART_FONT}" font-size="11" text-anchor="middle">` +
    `<text x="${lw / 2}" y="14">${esc(left)}</text>` +
    `<text x="${lw + rw / 2}" y="14">${esc(right)}</text></g></svg>`
  );
}
