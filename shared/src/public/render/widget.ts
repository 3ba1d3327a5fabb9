// An embeddable card (SVG, 400×150): title, state, progress bar, train-loss sparkline and when it last updated.
// Light colours fixed in the file: an <img> embed cannot be restyled by the host page.
import type { PublicSnapshot } from '../snapshot.js';
import { STATE_COLOURS } from './badge.js';
import { esc, num } from './escape.js';
import { CHART_FONT, sparklinePath } from './lossChart.js';
import { formatPercent, formatUtc, STATE_WORDS, summaryLine } from './words.js';

export const WIDGET_WIDTH = 400;
export const WIDGET_HEIGHT = 150;

/** Cuts raw text (never escaped text) to n characters with an ellipsis. */
export const truncate = (text: string, n: number): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

export function renderWidget(s: PublicSnapshot): string {
  const fraction = s.progress.fraction ?? 0;
  const barW = 236;
  const spark = sparklinePath(s.loss.train, 268, 64, 116, 46);
  const colour = STATE_COLOURS[s.state];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDGET_WIDTH}" height="${WIDGET_HEIGHT}" ` +
    `viewBox="0 0 ${WIDGET_WIDTH} ${WIDGET_HEIGHT}" role="img" aria-label="${esc(`${s.title}: ${summaryLine(s)}`)}" ` +
    `font-family="${CHART_FONT}"><title>${esc(`${s.title}: ${summaryLine(s)}`)}</title>` +
    `<rect x="0.5" y="0.5" width="${WIDGET_WIDTH - 1}" height="${WIDGET_HEIGHT - 1}" rx="8" fill="#ffffff" ` +
    `stroke="#d0d7de"/>` +
    `<text x="16" y="32" font-size="17" font-weight="bold" fill="#1f2328">${esc(truncate(s.title, 34))}</text>` +
    `<circle cx="22" cy="52" r="5" fill="${colour}"/>` +
    `<text x="34" y="57" font-size="13" fill="#1f2328">${esc(STATE_WORDS[s.state])}</text>` +
    `<rect x="16" y="72" width="${barW}" height="12" rx="6" fill="#eaeef2"/>` +
    (fraction > 0 ? `<rect x="16" y="72" width="${num(barW * fraction)}" height="12" rx="6" fill="${colour}"/>` : '') +
    `<text x="16" y="106" font-size="13" fill="#1f2328">${esc(summaryLine(s).split(' · ').slice(1).join(' · ') || formatPercent(s.progress.fraction))}</text>` +
    (spark ? `<path d="${spark}" fill="none" stroke="#0969da" stroke-width="1.5"/>` : '') +
    `<text x="16" y="134" font-size="11" fill="#57606a">Updated ${esc(formatUtc(s.updatedAt))}</text>` +
    `</svg>`
  );
}
