import { describe, expect, it } from 'vitest';
import { copyOutcomeText, copyToClipboard } from './useCopiedFeedback.js';

describe('copyToClipboard()', () => {
  it('writes the text and says copied', async () => {
    const written: string[] = [];
    const outcome = await copyToClipboard('http://x/runs/1?x=tokens', { writeText: async (t) => void written.push(t) });
    expect(outcome).toBe('copied');
    expect(written).toEqual(['http://x/runs/1?x=tokens']);
  });

  it('says failed without a clipboard (plain http) or when writing is refused', async () => {
    expect(await copyToClipboard('a', undefined)).toBe('failed');
    expect(
      await copyToClipboard('a', {
        writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')),
      }),
    ).toBe('failed');
  });

  it('has words for each outcome, and none when idle', () => {
    expect(copyOutcomeText('copied')).toBe('Link copied');
    expect(copyOutcomeText('failed')).toMatch(/Could not copy/);
    expect(copyOutcomeText(null)).toBe('');
  });
});
