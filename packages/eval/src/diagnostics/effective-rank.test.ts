import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianMatrix } from '../test-utils';
import { effectiveRank } from './effective-rank';

/** k orthonormal rows of length d (Gram-Schmidt). */
function orthonormalRows(k: number, d: number, rng: Rng): Float64Array {
  const q = Float64Array.from({ length: k * d }, () => rng.normal());
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += q[i * d + t] * q[j * d + t];
      for (let t = 0; t < d; t++) q[i * d + t] -= dot * q[j * d + t];
    }
    let n = 0;
    for (let t = 0; t < d; t++) n += q[i * d + t] ** 2;
    for (let t = 0; t < d; t++) q[i * d + t] /= Math.sqrt(n);
  }
  return q;
}

/** Z = A B: n x d of rank k. A's columns orthonormal when `equal`, Gaussian otherwise. */
function rankK(n: number, d: number, k: number, equal: boolean, rng: Rng): Float32Array {
  const b = orthonormalRows(k, d, rng);
  const aT = equal
    ? orthonormalRows(k, n, rng)
    : Float64Array.from({ length: k * n }, () => rng.normal());
  const z = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const a = aT[c * n + i];
      for (let j = 0; j < d; j++) z[i * d + j] += a * b[c * d + j];
    }
  }
  return z;
}

describe('effectiveRank', () => {
  it('is k for a rank-k matrix with equal singular values', () => {
    const rng = createRng(1);
    for (const k of [1, 5, 20]) {
      const r = effectiveRank({ features: rankK(300, 64, k, true, rng), dim: 64 });
      expect(r.rank).toBeCloseTo(k, 1);
      expect(r.singularValues[k - 1]).toBeCloseTo(1, 4);
      expect(r.singularValues[k] ?? 0).toBeLessThan(1e-3);
    }
  });

  it('is about k for a random rank-k matrix, and about d for isotropic Gaussian embeddings', () => {
    const rng = createRng(2);
    const low = effectiveRank({ features: rankK(2000, 128, 10, false, rng), dim: 128 }).rank;
    expect(low).toBeGreaterThan(9.5);
    expect(low).toBeLessThan(10.1);
    const full = effectiveRank({ features: gaussianMatrix(4000, 64, rng), dim: 64 }).rank;
    expect(full).toBeGreaterThan(0.97 * 64);
    expect(full).toBeLessThanOrEqual(64);
  });

  it('uses the smaller Gram matrix when there are fewer rows than dimensions', () => {
    const rng = createRng(3);
    const z = rankK(8, 100, 8, true, rng);
    const r = effectiveRank({ features: z, dim: 100 });
    expect(r.singularValues.length).toBe(8);
    expect(r.rank).toBeCloseTo(8, 2);
  });

  it('sees through a shared offset only when centred, and reads tensors without leaking', () => {
    const rng = createRng(4);
    const z = gaussianMatrix(500, 16, rng).map((v, i) => 0.01 * v + (i % 16 === 0 ? 100 : 0));
    const t = tf.tensor2d(z, [500, 16]);
    const before = tf.memory().numTensors;
    expect(effectiveRank(t).rank).toBeLessThan(1.1);
    expect(effectiveRank(t, { center: true }).rank).toBeGreaterThan(15);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });
});
