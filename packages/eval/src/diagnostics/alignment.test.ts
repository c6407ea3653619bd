import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianMatrix } from '../test-utils';
import { alignment } from './alignment';

const toRows = (flat: Float32Array, d: number) =>
  Array.from({ length: flat.length / d }, (_, i) => Array.from(flat.subarray(i * d, (i + 1) * d)));
const normalize = (r: number[]) => {
  const n = Math.hypot(...r);
  return r.map((v) => v / n);
};

describe('alignment (Wang & Isola)', () => {
  it('matches brute force on random embeddings, for alpha 2 and 1', () => {
    const rng = createRng(1);
    const x = toRows(gaussianMatrix(40, 6, rng), 6);
    const y = x.map((r) => r.map((v) => v + 0.3 * rng.normal()));
    const xn = x.map(normalize);
    const yn = y.map(normalize);
    const sq = (a: number[], b: number[]) => a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0);
    const align = xn.reduce((s, r, i) => s + sq(r, yn[i]), 0) / xn.length;
    expect(alignment(x, y)).toBeCloseTo(align, 6);
    const align1 = xn.reduce((s, r, i) => s + Math.sqrt(sq(r, yn[i])), 0) / xn.length;
    expect(alignment(x, y, { alpha: 1 })).toBeCloseTo(align1, 6);
    const raw = x.reduce((s, r, i) => s + sq(r, y[i]), 0) / x.length;
    expect(alignment(x, y, { normalize: false })).toBeCloseTo(raw, 5);
  });

  it('is 0 for perfectly aligned views and 4 for opposite ones', () => {
    const x = [
      [1, 2, 3],
      [0, 1, 0],
    ];
    expect(
      alignment(
        x,
        x.map((r) => r.map((v) => 5 * v)),
      ),
    ).toBeCloseTo(0, 12);
    expect(alignment([[1, 0]], [[-1, 0]])).toBeCloseTo(4, 12);
  });

  it('rejects mismatched inputs', () => {
    expect(() => alignment([[1, 2]], [[1, 2, 3]])).toThrow(/1 x 2 but y is 1 x 3/);
  });
});
