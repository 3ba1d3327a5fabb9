import { afterEach, describe, expect, it, vi } from 'vitest';
import { rememberedTheme, rememberTheme, resolveTheme, THEME_STORAGE_KEY } from './theme.js';

afterEach(() => vi.unstubAllGlobals());

describe('resolveTheme()', () => {
  it('takes the URL theme over the remembered one', () => {
    expect(resolveTheme('?theme=light', 'dark')).toBe('light');
    expect(resolveTheme('?x=tokens&theme=dark', 'light')).toBe('dark');
  });

  it('takes the remembered theme when the URL names none or a bad one', () => {
    expect(resolveTheme('', 'light')).toBe('light');
    expect(resolveTheme('?theme=purple', 'light')).toBe('light');
  });

  it('falls back to the default (dark) when nothing valid is remembered', () => {
    expect(resolveTheme('', null)).toBe('dark');
    expect(resolveTheme('', 'purple')).toBe('dark');
  });
});

describe('remembering the theme', () => {
  it('stores the choice and reads it back', () => {
    const store = new Map<string, string>();
    vi.stubGlobal('window', {
      localStorage: {
        getItem: (k: string) => store.get(k) ?? null,
        setItem: (k: string, v: string) => store.set(k, v),
      },
    });
    expect(rememberedTheme()).toBeNull();
    rememberTheme('light');
    expect(store.get(THEME_STORAGE_KEY)).toBe('light');
    expect(rememberedTheme()).toBe('light');
  });

  it('survives storage that throws (private mode, blocked storage)', () => {
    const refuse = () => {
      throw new Error('SecurityError');
    };
    vi.stubGlobal('window', { localStorage: { getItem: refuse, setItem: refuse } });
    expect(() => rememberTheme('light')).not.toThrow();
    expect(rememberedTheme()).toBeNull();
  });
});
