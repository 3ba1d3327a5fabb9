// Turning config values into shell words. Plain values go through the project's single-quote shellQuote; paths may
// start with one `$VAR` (e.g. `$six_ALL_CCFRSCRATCH`), which must expand in the job, so that prefix becomes a
// double-quoted parameter expansion (expansion only, never command substitution) and the rest is single-quoted.
import { shellQuote } from '../../slurm/quote.js';
import { PATH_PATTERN } from '../patterns.js';

export { shellQuote };

const LEADING_VARIABLE = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/;

/** Thrown when a value reaches the renderer without having passed validation. */
export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

/** A validated path as one shell word; `$VAR/rest` becomes `"${VAR}"/rest`. */
export function shellPath(path: string): string {
  if (!PATH_PATTERN.test(path) || path.length === 0)
    throw new RenderError(`refusing to render unvalidated path ${JSON.stringify(path)}`);
  const variable = LEADING_VARIABLE.exec(path);
  if (!variable) return shellQuote(path);
  const rest = path.slice(variable[0].length);
  return `"\${${variable[1]}}"${rest ? shellQuote(rest) : ''}`;
}

/** A number as Megatron scripts write it: integers plainly, small floats in exponent form (6e-5, not 0.00006). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RenderError(`refusing to render non-finite number ${value}`);
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) < 1e-3) return value.toExponential();
  return String(value);
}
