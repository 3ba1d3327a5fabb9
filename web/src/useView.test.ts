import { describe, expect, it } from 'vitest';
import { decodeView } from '@trainboard/shared/dashboard/viewState';
import { patchedSearch } from './useView.js';

describe('patchedSearch()', () => {
  it('applies a patch to the view in the URL and keeps the rest of the view', () => {
    const next = patchedSearch('?x=tokens&log=1&from=10&to=90', { smoothing: 0 });
    expect(decodeView(next)).toMatchObject({ x: 'tokens', log: true, from: 10, to: 90, smoothing: 0 });
  });

  it('drops keys that went back to their default, leaving a clean link', () => {
    expect(patchedSearch('?log=1', { log: false })).toBe('');
    expect(patchedSearch('?theme=light', { theme: 'dark' })).toBe('');
  });

  it('clears the zoom', () => {
    expect(decodeView(patchedSearch('?from=10&to=90', { from: null, to: null }))).toMatchObject({
      from: null,
      to: null,
    });
  });
});
