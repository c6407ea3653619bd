import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import {
  choiceWithoutReplacement,
  pyUniform,
  randint,
  roundHalfEven,
  weightedIndex,
} from './sampling';

describe('masking sampling helpers', () => {
  it('roundHalfEven rounds like Python round / np.round', () => {
    const cases: Array<[number, number]> = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [3.5, 4],
      [2.4999, 2],
      [2.5001, 3],
      [76.8, 77],
      [-0.5, -0],
      [-1.5, -2],
      [7, 7],
    ];
    for (const [x, y] of cases) expect(roundHalfEven(x) === y).toBe(true);
  });

  it('choiceWithoutReplacement draws distinct values with uniform marginals', () => {
    const rng = createRng(0);
    const counts = new Array<number>(10).fill(0);
    const firsts = new Array<number>(10).fill(0);
    let repeats = 0;
    for (let k = 0; k < 5000; k++) {
      const s = choiceWithoutReplacement(10, 3, rng);
      if (new Set(s).size !== 3) repeats++;
      for (const v of s) counts[v]++; // out-of-range values would show up as NaN counts
      firsts[s[0]]++;
    }
    expect(repeats).toBe(0);
    expect(counts.reduce((a, c) => a + c, 0)).toBe(15000);
    // Each value appears in 30% of draws (std 0.0065) and first in 10% (std 0.0042).
    for (const c of counts) expect(Math.abs(c / 5000 - 0.3)).toBeLessThan(0.03);
    for (const c of firsts) expect(Math.abs(c / 5000 - 0.1)).toBeLessThan(0.02);
    expect(Array.from(choiceWithoutReplacement(5, 5, rng)).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(choiceWithoutReplacement(5, 0, rng).length).toBe(0);
    expect(() => choiceWithoutReplacement(3, 4, rng)).toThrow(/k <= n/);
  });

  it('randint, pyUniform and weightedIndex cover their ranges', () => {
    const rng = createRng(1);
    const seen = new Set<number>();
    for (let k = 0; k < 1000; k++) seen.add(randint(3, 7, rng));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < 1000; k++) {
      const u = pyUniform(16, 3, rng); // Python accepts a > b
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThan(3);
    expect(hi).toBeLessThanOrEqual(16);
    expect(hi - lo).toBeGreaterThan(12);
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < 6000; k++) counts[weightedIndex([1, 0, 2, 3], rng)]++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[0] / 6000 - 1 / 6)).toBeLessThan(0.03);
    expect(Math.abs(counts[2] / 6000 - 2 / 6)).toBeLessThan(0.03);
    expect(Math.abs(counts[3] / 6000 - 3 / 6)).toBeLessThan(0.03);
  });
});
