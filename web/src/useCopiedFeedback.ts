// "Copied" feedback for a copy button: copies, then says whether it worked for a few seconds (announced through an
// aria-live region by the caller), and falls back to words when the clipboard is unavailable (plain http, denied).
import { useCallback, useEffect, useRef, useState } from 'react';

export type CopyOutcome = 'copied' | 'failed' | null;

export const COPY_FEEDBACK_MS = 2500;

export function useCopiedFeedback(): [CopyOutcome, (text: string) => Promise<void>] {
  const [outcome, setOutcome] = useState<CopyOutcome>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = useCallback(async (text: string) => {
    const result = await copyToClipboard(text, navigator.clipboard);
    setOutcome(result);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setOutcome(null), COPY_FEEDBACK_MS);
  }, []);
  return [outcome, copy];
}

/** Copies `text`; 'failed' when there is no clipboard (plain http) or writing was refused (denied, not focused). */
export async function copyToClipboard(
  text: string,
  clipboard: Pick<Clipboard, 'writeText'> | undefined,
): Promise<'copied' | 'failed'> {
  if (!clipboard) return 'failed';
  try {
    await clipboard.writeText(text);
    return 'copied';
  } catch {
    return 'failed';
  }
}

export function copyOutcomeText(outcome: CopyOutcome): string {
  if (outcome === 'copied') return 'Link copied';
  if (outcome === 'failed') return 'Could not copy: copy the address bar instead';
  return '';
}
