import { describe, expect, it } from 'vitest';
import { parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it('reads the forms nodes report', () => {
    expect(parseQuantity('95500m')).toBe(95.5);
    expect(parseQuantity('96')).toBe(96);
    expect(parseQuantity('2103459876Ki')).toBe(2103459876 * 1024);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('2k')).toBe(2000);
    expect(parseQuantity('8')).toBe(8);
    expect(parseQuantity(4)).toBe(4);
  });
  it('returns null for what is not a quantity', () => {
    for (const bad of ['', 'abc', '1.2.3', '5Xi', '1 Gi', null, undefined, Number.NaN])
      expect(parseQuantity(bad)).toBeNull();
  });
});
