// Every text that reaches the public page, its SVGs or its meta tags goes through esc(): the title and description
// are chosen by the publisher, so they are treated as hostile (they may close a tag, open a script or an attribute).

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML/SVG element content and double- or single-quoted attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A number for an SVG attribute: finite, at most 2 decimals (short paths, no exponent forms). */
export function num(n: number): string {
  if (!Number.isFinite(n)) return '0';
  return String(Math.round(n * 100) / 100);
}
