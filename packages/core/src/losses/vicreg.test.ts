import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { vicregLoss } from './vicreg';
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

/** One branch of the official VICReg code: std hinge and off-diagonal covariance / D. */
function branch(z: Mat): { std: number; cov: number } {
  const n = z.length;
  const d = z[0].length;
  const mean = Array.from({ length: d }, (_, j) => z.reduce((a, r) => a + r[j], 0) / n);
  const zc = z.map((r) => r.map((v, j) => v - mean[j]));
  let std = 0;
  let cov = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let c = 0;
      for (let k = 0; k < n; k++) c += zc[k][i] * zc[k][j];
      c /= n - 1;
      if (i === j) std += Math.max(0, 1 - Math.sqrt(c + 1e-4)) / d;
      else cov += (c * c) / d;
    }
  }
  return { std, cov };
}

function reference(z1: Mat, z2: Mat, sim = 25, stdCoeff = 25, covCoeff = 1): number {
  let mse = 0;
  for (let i = 0; i < z1.length; i++) {
    for (let j = 0; j < z1[0].length; j++) mse += (z1[i][j] - z2[i][j]) ** 2;
  }
  mse /= z1.length * z1[0].length;
  const a = branch(z1);
  const b = branch(z2);
  return sim * mse + stdCoeff * (a.std / 2 + b.std / 2) + covCoeff * (a.cov + b.cov);
}

describe('vicregLoss', () => {
  const rng = createRng(13);
  // Mixed scales: some features have std below 1 (hinge active), some above.
  const z1 = f32(randMatrix(rng, 5, 3).map((r) => [r[0] * 0.4, r[1] * 2, r[2] * 0.7]));
  const z2 = f32(randMatrix(rng, 5, 3, 0.6));

  it('matches the brute-force loss with the official defaults (25, 25, 1)', () => {
    expectClose(value(vicregLoss(tf.tensor2d(z1), tf.tensor2d(z2))), reference(z1, z2), 1e-4, 1e-5);
    expectClose(
      value(
        vicregLoss(tf.tensor2d(z1), tf.tensor2d(z2), { simCoeff: 1, stdCoeff: 2, covCoeff: 3 }),
      ),
      reference(z1, z2, 1, 2, 3),
      1e-5,
      1e-5,
    );
  });

  it('checks each term separately', () => {
    const only = (o: { simCoeff: number; stdCoeff: number; covCoeff: number }): number =>
      value(vicregLoss(tf.tensor2d(z1), tf.tensor2d(z2), o));
    expectClose(
      only({ simCoeff: 1, stdCoeff: 0, covCoeff: 0 }),
      reference(z1, z2, 1, 0, 0),
      1e-6,
      1e-5,
    );
    expectClose(
      only({ simCoeff: 0, stdCoeff: 1, covCoeff: 0 }),
      reference(z1, z2, 0, 1, 0),
      1e-6,
      1e-5,
    );
    expectClose(
      only({ simCoeff: 0, stdCoeff: 0, covCoeff: 1 }),
      reference(z1, z2, 0, 0, 1),
      1e-6,
      1e-5,
    );
  });

  it('has the brute-force gradient for both branches', () => {
    const [g1, g2] = tfGrads((a, b) => vicregLoss(a, b), [tf.tensor2d(z1), tf.tensor2d(z2)]);
    expectClose(
      g1,
      numericGrad((x: Mat) => reference(x, z2), z1, [5, 3]),
      1e-3,
      1e-3,
    );
    expectClose(
      g2,
      numericGrad((x: Mat) => reference(z1, x), z2, [5, 3]),
      1e-3,
      1e-3,
    );
  });

  it('leaks no tensors and rejects bad input', () => {
    const a = tf.tensor2d(z1);
    const b = tf.tensor2d(z2);
    expectNoLeak(() => vicregLoss(a, b));
    expect(() => vicregLoss(tf.zeros([1, 3]), tf.zeros([1, 3]))).toThrow(/at least 2/);
    expect(() => vicregLoss(a, b, { covCoeff: Number.NaN })).toThrow(/covCoeff/);
  });
});
