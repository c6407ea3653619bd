import { describe, expect, it } from 'vitest';
import { linearWarmup } from './linear-warmup';

describe('linearWarmup', () => {
  it('ramps linearly from warmupStartLr to baseLr, then stays there', () => {
    const s = linearWarmup({ baseLr: 1, warmupSteps: 4, warmupStartLr: 0.2 });
    // 0.2 + 0.8 · s / 4
    [0.2, 0.4, 0.6, 0.8, 1, 1].forEach((want, i) =>
      expect(s([0, 1, 2, 3, 4, 100][i])).toBeCloseTo(want, 12),
    );
    expect(linearWarmup({ baseLr: 0.1, warmupSteps: 0 })(0)).toBe(0.1);
    expect(() => linearWarmup({ baseLr: 0.1, warmupSteps: 2.5 })).toThrow(/warmupSteps/);
  });
});
