import { describe, expect, it } from 'vitest';
import { warmupCosine } from './warmup-cosine';

describe('warmupCosine', () => {
  it('hits the hand-derived values: start, mid-warm-up, peak, cosine midpoint, end', () => {
    const s = warmupCosine({
      baseLr: 1,
      warmupStartLr: 0.1,
      finalLr: 0.01,
      warmupSteps: 10,
      totalSteps: 110,
    });
    expect(s(0)).toBeCloseTo(0.1, 12);
    expect(s(5)).toBeCloseTo(0.55, 12); // 0.1 + 0.9 · 5/10
    expect(s(10)).toBeCloseTo(1, 12); // end of warm-up: cos(0) = 1
    expect(s(60)).toBeCloseTo(0.505, 12); // midpoint: 0.01 + 0.99 · (1 + cos(π/2)) / 2
    expect(s(35)).toBeCloseTo(0.01 + (0.99 * (1 + Math.SQRT1_2)) / 2, 12); // quarter: cos(π/4)
    expect(s(110)).toBeCloseTo(0.01, 12); // end: cos(π) = −1
    expect(s(500)).toBe(0.01);
    // Monotone: non-decreasing during warm-up, non-increasing afterwards.
    for (let i = 1; i <= 110; i++) {
      if (i <= 10) expect(s(i)).toBeGreaterThanOrEqual(s(i - 1));
      else expect(s(i)).toBeLessThanOrEqual(s(i - 1));
    }
  });

  it('defaults to 0 at both ends, accepts no warm-up, and validates its options', () => {
    const s = warmupCosine({ baseLr: 2, warmupSteps: 0, totalSteps: 4 });
    [2, 1, 0].forEach((want, i) => expect(s(2 * i)).toBeCloseTo(want, 12));
    expect(warmupCosine({ baseLr: 2, warmupSteps: 4, totalSteps: 4 })(2)).toBe(1);
    expect(() => warmupCosine({ baseLr: 1, warmupSteps: 5, totalSteps: 4 })).toThrow(
      /warmupSteps must be an integer in \[0, totalSteps = 4\], got 5/,
    );
    expect(() => s(Number.NaN)).toThrow(/step must be a finite number/);
  });
});
