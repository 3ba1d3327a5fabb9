// Slurm hostlist expressions (`c[1-2]`, `jean-zay-iam[01-34,36-49]`, `a1,b[3-4]`) to node names.

const MAX_NODES = 100_000;

/** Splits on commas that are outside brackets. */
function topLevelParts(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(expr.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(expr.slice(start));
  return parts.filter((p) => p.length > 0);
}

function expandOne(part: string, out: string[]): void {
  const m = /^([^[\]]*)\[([^\]]+)\](.*)$/.exec(part);
  if (!m) {
    out.push(part);
    return;
  }
  const [, prefix = '', ranges = '', rest = ''] = m;
  const tails: string[] = [];
  expandOne(rest, tails); // a second bracket group multiplies (rare, but Slurm allows it)
  for (const range of ranges.split(',')) {
    const [from = '', to] = range.split('-');
    if (!/^\d+$/.test(from) || (to !== undefined && !/^\d+$/.test(to))) {
      out.push(part); // not a range we understand: keep the text rather than invent names
      return;
    }
    const width = from.length;
    const a = Number(from);
    const b = to === undefined ? a : Number(to);
    for (let n = a; n <= b && out.length < MAX_NODES; n++) {
      for (const tail of tails.length ? tails : ['']) out.push(prefix + String(n).padStart(width, '0') + tail);
    }
  }
}

/** Node names of a hostlist; `''`, `(null)`, `None assigned` and `N/A` give []. */
export function expandHostlist(expr: string | null | undefined): string[] {
  const text = (expr ?? '').trim();
  if (!text || text === '(null)' || text === 'N/A' || text === 'None assigned') return [];
  const out: string[] = [];
  for (const part of topLevelParts(text)) expandOne(part, out);
  return out;
}
