import { describe, expect, it } from 'vitest';
import { fitStandardizer } from './fit-standardizer';
import { standardize } from './standardize';

describe('fitStandardizer / standardize', () => {
  it('gives zero-mean unit-variance columns and leaves constant columns at 0', () => {
    const x = Float32Array.of(1, 7, 10, 3, 7, 20, 5, 7, 60);
    const s = fitStandardizer(x, 3, 3);
    expect(Array.from(s.mean)).toEqual([3, 7, 30]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(s.scale[1]).toBe(1);
    const z = standardize(x, s);
    for (let j = 0; j < 3; j++) {
      const col = [z[j], z[3 + j], z[6 + j]];
      expect(col.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 6);
      if (j !== 1) expect(col.reduce((a, b) => a + b * b, 0) / 3).toBeCloseTo(1, 5);
      else expect(col).toEqual([0, 0, 0]);
    }
  });

  it('rejects mismatched sizes', () => {
    expect(() => fitStandardizer(new Float32Array(5), 2, 3)).toThrow(/expected 2 x 3/);
  });
});
