import { createRng, type Rng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { symmetricEigenvalues } from './symmetric-eigenvalues';

/** Random orthogonal n x n matrix (rows), by modified Gram-Schmidt on Gaussian rows. */
function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const q = Float64Array.from({ length: n * n }, () => rng.normal());
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += q[i * n + k] * q[j * n + k];
      for (let k = 0; k < n; k++) q[i * n + k] -= dot * q[j * n + k];
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += q[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    for (let k = 0; k < n; k++) q[i * n + k] /= norm;
  }
  return q;
}

/** A = Q' diag(values) Q. */
function withSpectrum(values: number[], rng: Rng): Float64Array {
  const n = values.length;
  const q = randomOrthogonal(n, rng);
  const a = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const v = values[k];
    for (let i = 0; i < n; i++) {
      const qi = q[k * n + i] * v;
      for (let j = 0; j < n; j++) a[i * n + j] += qi * q[k * n + j];
    }
  }
  return a;
}

describe('symmetricEigenvalues', () => {
  it('solves small cases exactly', () => {
    expect(Array.from(symmetricEigenvalues([2, 1, 1, 2], 2)).map((v) => +v.toFixed(12))).toEqual([
      3, 1,
    ]);
    expect(Array.from(symmetricEigenvalues([5, 0, 0, 0, -1, 0, 0, 0, 2], 3))).toEqual([5, 2, -1]);
    expect(Array.from(symmetricEigenvalues([7], 1))).toEqual([7]);
    expect(symmetricEigenvalues([], 0).length).toBe(0);
  });

  it('recovers a known spectrum (with repeats, zeros and negatives) for n = 60', () => {
    const rng = createRng(1);
    const values = Array.from({ length: 60 }, (_, i) =>
      i < 10 ? 0 : i < 20 ? 3 : rng.normal() * 10,
    );
    const got = symmetricEigenvalues(withSpectrum(values, rng), 60);
    const want = [...values].sort((a, b) => b - a);
    want.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-9));
  });

  it('is accurate for n = 512 (spectrum spanning 8 orders of magnitude)', () => {
    const rng = createRng(2);
    const values = Array.from({ length: 512 }, (_, i) => 1e4 * 10 ** (-8 * (i / 511)));
    const got = symmetricEigenvalues(withSpectrum(values, rng), 512);
    values.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-8 * 1e4));
  });

  it('rejects bad sizes and non-finite entries', () => {
    expect(() => symmetricEigenvalues([1, 2, 3], 2)).toThrow(/2 x 2/);
    expect(() => symmetricEigenvalues([NaN], 1)).toThrow(/non-finite/);
  });
});
