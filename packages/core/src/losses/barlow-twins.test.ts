import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { barlowTwinsLoss } from './barlow-twins';
import {
  expectClose,
  expectNoLeak,
  f32,
  type Mat,
  numericGrad,
  randMatrix,
  tfGrads,
  value,
} from './test-helpers';

/** BatchNorm1d(affine=False) in training mode: batch mean, biased variance, eps 1e-5. */
function batchNorm(z: Mat): Mat {
  const n = z.length;
  const d = z[0].length;
  const out = z.map((r) => r.slice());
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += z[i][j] / n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (z[i][j] - mean) ** 2 / n;
    for (let i = 0; i < n; i++) out[i][j] = (z[i][j] - mean) / Math.sqrt(variance + 1e-5);
  }
  return out;
}

/** The official Barlow Twins loss by loops. */
function reference(z1: Mat, z2: Mat, lambda: number, scale = 1): number {
  const a = batchNorm(z1);
  const b = batchNorm(z2);
  const n = z1.length;
  const d = z1[0].length;
  let loss = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let c = 0;
      for (let k = 0; k < n; k++) c += a[k][i] * b[k][j];
      c /= n;
      loss += i === j ? (1 - c) ** 2 : lambda * c * c;
    }
  }
  return scale * loss;
}

describe('barlowTwinsLoss', () => {
  const rng = createRng(12);
  const z1 = f32(randMatrix(rng, 5, 3, 2));
  const z2 = f32(randMatrix(rng, 5, 3));

  it('matches the brute-force loss, lambda 0.0051 and scale 1 by default', () => {
    expectClose(
      value(barlowTwinsLoss(tf.tensor2d(z1), tf.tensor2d(z2))),
      reference(z1, z2, 0.0051),
      1e-5,
      1e-5,
    );
    expectClose(
      value(barlowTwinsLoss(tf.tensor2d(z1), tf.tensor2d(z2), { lambda: 0.5, scaleLoss: 0.024 })),
      reference(z1, z2, 0.5, 0.024),
      1e-6,
      1e-5,
    );
  });

  it('is near 0 for identical views with uncorrelated features', () => {
    // Columns of a 4 x 2 +-1 design are centered and orthogonal: c = I (up to BN's eps).
    const z = [
      [1, 1],
      [1, -1],
      [-1, 1],
      [-1, -1],
    ];
    expectClose(value(barlowTwinsLoss(tf.tensor2d(z), tf.tensor2d(z))), 0, 1e-8, 0);
  });

  it('has the brute-force gradient for both views', () => {
    const [g1, g2] = tfGrads(
      (a, b) => barlowTwinsLoss(a, b, { lambda: 0.3 }),
      [tf.tensor2d(z1), tf.tensor2d(z2)],
    );
    expectClose(
      g1,
      numericGrad((x: Mat) => reference(x, z2, 0.3), z1, [5, 3]),
      1e-4,
      1e-3,
    );
    expectClose(
      g2,
      numericGrad((x: Mat) => reference(z1, x, 0.3), z2, [5, 3]),
      1e-4,
      1e-3,
    );
  });

  it('leaks no tensors and rejects bad input', () => {
    const a = tf.tensor2d(z1);
    const b = tf.tensor2d(z2);
    expectNoLeak(() => barlowTwinsLoss(a, b));
    expect(() => barlowTwinsLoss(tf.zeros([1, 3]), tf.zeros([1, 3]))).toThrow(/at least 2/);
    expect(() => barlowTwinsLoss(a, tf.zeros([5, 4]))).toThrow(/same shape/);
    expect(() => barlowTwinsLoss(a, b, { lambda: -1 })).toThrow(/lambda/);
  });
});
