// The tab's icon for a health severity: a small inline SVG (a data: URL, allowed by the CSP's img-src) whose shape
// carries the meaning as well as its colour: a check, an "i", a triangle with "!", a cross.
import type { HealthSeverity } from '@trainboard/shared/dashboard/runHealth';

const SHAPES: Record<HealthSeverity, string> = {
  ok: '<circle cx="8" cy="8" r="7" fill="#1a7f37"/><path d="M4.5 8.2l2.3 2.3 4.7-4.9" stroke="#fff" stroke-width="2" fill="none"/>',
  info: '<circle cx="8" cy="8" r="7" fill="#0b63c5"/><rect x="7" y="7" width="2" height="5" fill="#fff"/><rect x="7" y="4" width="2" height="2" fill="#fff"/>',
  warning:
    '<path d="M8 1L15.5 14.5H0.5Z" fill="#b35900"/><rect x="7" y="5.5" width="2" height="5" fill="#fff"/><rect x="7" y="11.5" width="2" height="2" fill="#fff"/>',
  critical:
    '<circle cx="8" cy="8" r="7" fill="#c62828"/><path d="M5 5l6 6M11 5l-6 6" stroke="#fff" stroke-width="2.2"/>',
};

export function faviconSvg(severity: HealthSeverity): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">${SHAPES[severity]}</svg>`;
}

export function faviconDataUrl(severity: HealthSeverity): string {
  return `data:image/svg+xml,${encodeURIComponent(faviconSvg(severity))}`;
}
