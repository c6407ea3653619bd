import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianMatrix } from '../test-utils';
import { uniformity } from './uniformity';

const toRows = (flat: Float32Array, d: number) =>
  Array.from({ length: flat.length / d }, (_, i) => Array.from(flat.subarray(i * d, (i + 1) * d)));
const normalize = (r: number[]) => {
  const n = Math.hypot(...r);
  return r.map((v) => v / n);
};

describe('uniformity (Wang & Isola)', () => {
  it('matches brute force over all pairs i < j', () => {
    const rng = createRng(1);
    const x = toRows(gaussianMatrix(40, 6, rng), 6);
    const xn = x.map(normalize);
    const sq = (a: number[], b: number[]) => a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0);
    let pot = 0;
    let pot3 = 0;
    let pairs = 0;
    for (let i = 0; i < x.length; i++) {
      for (let j = i + 1; j < x.length; j++) {
        pot += Math.exp(-2 * sq(xn[i], xn[j]));
        pot3 += Math.exp(-3 * sq(x[i], x[j]));
        pairs++;
      }
    }
    expect(uniformity(x)).toBeCloseTo(Math.log(pot / pairs), 6);
    expect(uniformity(x, { t: 3, normalize: false })).toBeCloseTo(Math.log(pot3 / pairs), 5);
  });

  it('is 0 under collapse and -4t for an antipodal pair', () => {
    expect(
      uniformity([
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    ).toBeCloseTo(0, 12);
    expect(
      uniformity([
        [1, 0],
        [-1, 0],
      ]),
    ).toBeCloseTo(-8, 12);
  });

  it('does not underflow on far-apart unnormalized points', () => {
    const u = uniformity([[0], [100], [200]], { normalize: false });
    // Nearest pairs dominate: log((2 e^{-2e4} + e^{-8e4}) / 3).
    expect(u).toBeCloseTo(-2e4 + Math.log(2 / 3), 6);
  });

  it('needs two embeddings', () => {
    expect(() => uniformity([[1, 2]])).toThrow(/at least 2/);
  });
});
