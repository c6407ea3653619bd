import { describe, expect, it } from 'vitest';
import { cosineMomentum } from './cosine-momentum';

describe('cosineMomentum', () => {
  it('goes from base at step 0 to 1 at the end, through the cosine midpoint', () => {
    expect(cosineMomentum(0.996, 0, 1000)).toBeCloseTo(0.996, 15);
    expect(cosineMomentum(0.996, 1000, 1000)).toBe(1);
    expect(cosineMomentum(0.996, 500, 1000)).toBeCloseTo(0.998, 12); // 1 − 0.004 · 1/2
    expect(cosineMomentum(0.99, 250, 1000)).toBeCloseTo(1 - (0.01 * (Math.SQRT1_2 + 1)) / 2, 12);
    expect(cosineMomentum(0.996, 5000, 1000)).toBe(1); // clamped past the end
    expect(() => cosineMomentum(1.5, 0, 10)).toThrow(/base must be in \[0, 1\]/);
    expect(() => cosineMomentum(0.9, 0, 0)).toThrow(/total must be/);
  });
});
