// A deliberately small template engine: `{{NAME}}` placeholders, all of which must be supplied, none of which
// may be left over, and no supplied value may go unused (that would mean the template and the code drifted).
import { RenderError } from './shellWords.js';

const PLACEHOLDER = /\{\{([A-Z][A-Z0-9_]*)\}\}/g;

/** Placeholder names in order of first appearance. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/**
 * Replaces every placeholder with its value in one pass (values are never re-scanned, so a value containing
 * `{{X}}` stays literal).
 * @throws RenderError on a missing value, an unused value, or a malformed `{{…}}` in the template.
 */
export function renderTemplate(
  templateName: string,
  template: string,
  values: Readonly<Record<string, string>>,
): string {
  const names = placeholdersOf(template);
  const missing = names.filter((n) => !Object.prototype.hasOwnProperty.call(values, n));
  if (missing.length > 0) throw new RenderError(`${templateName}: no value for placeholder(s) ${missing.join(', ')}`);
  const unused = Object.keys(values).filter((k) => !names.includes(k));
  if (unused.length > 0) throw new RenderError(`${templateName}: value(s) ${unused.join(', ')} match no placeholder`);
  const malformed = template.replace(PLACEHOLDER, '').match(/\{\{|\}\}/);
  if (malformed)
    throw new RenderError(
      `${templateName}: malformed placeholder near "${template.slice(Math.max(0, (malformed.index ?? 0) - 20), (malformed.index ?? 0) + 20)}"`,
    );
  return template.replace(PLACEHOLDER, (_, name: string) => values[name] as string);
}
