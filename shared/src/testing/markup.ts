// For the renderers' tests: the on*= attributes of every tag in a document (quoted values removed first, so an
// escaped title that merely mentions "onerror=" inside an attribute value is not one).
export function eventAttributes(markup: string): string[] {
  const found: string[] = [];
  for (const tag of markup.match(/<[a-z][^>]*>/gi) ?? []) {
    const bare = tag.replace(/"[^"]*"|'[^']*'/g, '""');
    found.push(...(bare.match(/\son[a-z]+\s*=/gi) ?? []));
  }
  return found;
}
