import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { byolLoss } from './byol';
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

/** BYOL by loops: mean of 2 - 2 cos(p_i, z_i). */
function reference(p: Mat, z: Mat): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) total += 2 - 2 * cosine(p[i], z[i]);
  return total / p.length;
}

describe('byolLoss', () => {
  const rng = createRng(4);
  const p = f32(randMatrix(rng, 3, 4));
  const z = f32(randMatrix(rng, 3, 4));

  it('matches 2 - 2 cos averaged over the batch', () => {
    expectClose(value(byolLoss(tf.tensor2d(p), tf.tensor2d(z))), reference(p, z), 1e-5, 1e-5);
  });

  it('is 0 for aligned and 4 for opposite vectors', () => {
    const scaled = p.map((row) => row.map((v) => 3 * v));
    const opposite = p.map((row) => row.map((v) => -v));
    expectClose(value(byolLoss(tf.tensor2d(p), tf.tensor2d(scaled))), 0, 1e-6, 0);
    expectClose(value(byolLoss(tf.tensor2d(p), tf.tensor2d(opposite))), 4, 1e-5, 0);
  });

  it('has the brute-force gradient for p and none for z', () => {
    const [gp, gz] = tfGrads((a, b) => byolLoss(a, b), [tf.tensor2d(p), tf.tensor2d(z)]);
    expectClose(
      gp,
      numericGrad((x: Mat) => reference(x, z), p, [3, 4]),
      1e-4,
      1e-3,
    );
    expect(gz.every((v) => v === 0)).toBe(true);
  });

  it('leaks no tensors and rejects bad input', () => {
    const a = tf.tensor2d(p);
    const b = tf.tensor2d(z);
    expectNoLeak(() => byolLoss(a, b));
    expect(() => byolLoss(a, tf.zeros([3, 2]))).toThrow(/same shape/);
  });
});
