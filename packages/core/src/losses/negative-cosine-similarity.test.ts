import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { negativeCosineSimilarity } from './negative-cosine-similarity';
import {
  cosine,
  expectClose,
  expectNoLeak,
  f32,
  type Mat,
  numericGrad,
  randMatrix,
  tfGrads,
  value,
} from './test-helpers';

/** SimSiam by loops: -mean cos(p_i, z_i). */
function reference(p: Mat, z: Mat): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) total -= cosine(p[i], z[i]);
  return total / p.length;
}

describe('negativeCosineSimilarity', () => {
  const rng = createRng(5);
  const p = f32(randMatrix(rng, 3, 4));
  const z = f32(randMatrix(rng, 3, 4));

  it('matches -mean cos and is -1 for aligned vectors', () => {
    expectClose(
      value(negativeCosineSimilarity(tf.tensor2d(p), tf.tensor2d(z))),
      reference(p, z),
      1e-6,
      1e-5,
    );
    const scaled = p.map((row) => row.map((v) => 0.5 * v));
    expectClose(value(negativeCosineSimilarity(tf.tensor2d(p), tf.tensor2d(scaled))), -1, 1e-6, 0);
  });

  it('has the brute-force gradient for p and none for z', () => {
    const [gp, gz] = tfGrads(
      (a, b) => negativeCosineSimilarity(a, b),
      [tf.tensor2d(p), tf.tensor2d(z)],
    );
    expectClose(
      gp,
      numericGrad((x: Mat) => reference(x, z), p, [3, 4]),
      1e-5,
      1e-3,
    );
    expect(gz.every((v) => v === 0)).toBe(true);
  });

  it('leaks no tensors and rejects bad input', () => {
    const a = tf.tensor2d(p);
    const b = tf.tensor2d(z);
    expectNoLeak(() => negativeCosineSimilarity(a, b));
    expect(() => negativeCosineSimilarity(a, tf.zeros([4, 4]))).toThrow(/same shape/);
  });
});
