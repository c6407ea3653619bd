import { describe, expect, it } from 'vitest';
import { niceTicks } from './nice-ticks';

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    const t = niceTicks(0, 0.93, 5);
    expect(t.values.map((v) => +v.toFixed(10))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(t.format(0.4)).toBe('0.4');
    const big = niceTicks(3, 1997, 6);
    expect(big.min).toBe(0);
    expect(big.max).toBe(2000);
    expect(big.values[1] - big.values[0]).toBe(500);
  });

  it('widens empty and non-finite ranges and formats tiny values', () => {
    expect(niceTicks(2, 2).values.length).toBeGreaterThan(1);
    expect(niceTicks(Infinity, -Infinity).min).toBe(0);
    const lr = niceTicks(0, 3e-4, 3);
    expect(lr.format(1e-4)).toBe('1.0e-4');
  });
});
