// Masks common secret shapes in a log line before a viewer sees it: training logs print environments, launch
// commands and library banners, and with them Hugging Face, W&B and cloud tokens or `password=` arguments.
// The kind's public prefix (hf_, AKIA, ghp_, ya29.) stays so a reader knows what was there; the secret part does not.
// Matching favours false positives over leaks, but keeps training words such as "tokens: 2048" readable.

export const MASK = '********';

interface SecretShape {
  name: string;
  pattern: RegExp;
  /** Replacement: keeps the captured non-secret prefix (group 1) when there is one. */
  replace: (match: string, ...groups: string[]) => string;
}

const keepPrefix = (_m: string, prefix: string) => `${prefix}${MASK}`;

/** Key names whose value is a secret: the keyword must end the name (HF_TOKEN yes, max_tokens no). */
const SECRET_KEY =
  '(?:[A-Za-z0-9]+[_.-])*(?:password|passwd|pwd|passphrase|secret(?:[_-]?(?:access[_-]?)?key)?|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?token|token)';

const SHAPES: SecretShape[] = [
  { name: 'huggingface', pattern: /\b(hf_)[A-Za-z0-9]{20,}/g, replace: keepPrefix },
  { name: 'github', pattern: /\b(gh[pousr]_)[A-Za-z0-9]{20,}/g, replace: keepPrefix },
  { name: 'github-pat', pattern: /\b(github_pat_)[A-Za-z0-9_]{20,}/g, replace: keepPrefix },
  { name: 'aws-access-key', pattern: /\b((?:AKIA|ASIA))[0-9A-Z]{16}\b/g, replace: keepPrefix },
  { name: 'gcp-oauth', pattern: /\b(ya29\.)[0-9A-Za-z_-]{10,}/g, replace: keepPrefix },
  { name: 'gcp-api-key', pattern: /\b(AIza)[0-9A-Za-z_-]{35}/g, replace: keepPrefix },
  { name: 'openai', pattern: /\b(sk-)[A-Za-z0-9_-]{20,}/g, replace: keepPrefix },
  { name: 'trainboard', pattern: /\b(tbt_)[A-Za-z0-9_-]{16,}/g, replace: keepPrefix },
  // W&B keys are 40 hex characters; `wandb login <key>` prints them without a name.
  { name: 'wandb-login', pattern: /\b(wandb\s+login\s+(?:--relogin\s+)?)[0-9a-f]{40}\b/gi, replace: keepPrefix },
  { name: 'bearer', pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, replace: keepPrefix },
  {
    name: 'url-credentials',
    pattern: /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(@)/gi,
    replace: (_m, a, b) => `${a}${MASK}${b}`,
  },
  {
    // NAME=value, --name=value, name: value, "name": "value" (covers WANDB_API_KEY, AWS_SECRET_ACCESS_KEY, HF_TOKEN).
    name: 'key-value',
    pattern: new RegExp(`((?<![A-Za-z0-9])${SECRET_KEY}(?![A-Za-z0-9])["']?\\s*[=:]\\s*["']?)([^\\s"'&,;]+)`, 'gi'),
    replace: (m: string, prefix: string, value: string) => (value.includes(MASK) ? m : `${prefix}${MASK}`),
  },
];

export interface MaskResult {
  text: string;
  /** Whether anything was masked (an admin may reveal the line; the reveal is audited). */
  masked: boolean;
}

export function maskSecrets(line: string): MaskResult {
  let text = line;
  for (const shape of SHAPES)
    text = text.replace(shape.pattern, shape.replace as (m: string, ...g: string[]) => string);
  return { text, masked: text !== line };
}
