import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { ntXentLoss } from './nt-xent';
import {
  dot,
  expectClose,
  expectNoLeak,
  f32,
  logSumExp,
  type Mat,
  normalize,
  numericGrad,
  randMatrix,
  tfGrads,
  value,
} from './test-helpers';

/** SimCLR's loss by loops: 2N anchors, each against its other view, self excluded. */
function reference(z1: Mat, z2: Mat, temperature: number): number {
  const n = z1.length;
  const z = [...z1, ...z2].map(normalize);
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const positive = (i + n) % (2 * n);
    const logits: number[] = [];
    for (let j = 0; j < 2 * n; j++) if (j !== i) logits.push(dot(z[i], z[j]) / temperature);
    total += logSumExp(logits) - dot(z[i], z[positive]) / temperature;
  }
  return total / (2 * n);
}

describe('ntXentLoss', () => {
  const rng = createRng(1);
  const z1 = f32(randMatrix(rng, 3, 4));
  const z2 = f32(randMatrix(rng, 3, 4));

  it('matches the brute-force loss for several temperatures, 0.5 by default', () => {
    for (const temperature of [0.5, 0.2, 1]) {
      const got = value(ntXentLoss(tf.tensor2d(z1), tf.tensor2d(z2), { temperature }));
      expectClose(got, reference(z1, z2, temperature), 1e-5, 1e-5);
    }
    expectClose(
      value(ntXentLoss(tf.tensor2d(z1), tf.tensor2d(z2))),
      reference(z1, z2, 0.5),
      1e-5,
      1e-5,
    );
  });

  it('has the gradient of the brute-force loss for both views', () => {
    const [g1, g2] = tfGrads(
      (a, b) => ntXentLoss(a, b, { temperature: 0.3 }),
      [tf.tensor2d(z1), tf.tensor2d(z2)],
    );
    expectClose(
      g1,
      numericGrad((x: Mat) => reference(x, z2, 0.3), z1, [3, 4]),
      1e-4,
      1e-3,
    );
    expectClose(
      g2,
      numericGrad((x: Mat) => reference(z1, x, 0.3), z2, [3, 4]),
      1e-4,
      1e-3,
    );
  });

  it('gives the derived values for identical views', () => {
    // Identical views: anchor i has positive logit 1/T and negatives z_j, z_j' (j != i) twice,
    // so loss_i = -1/T + log(e^{1/T} + 2 sum_{j != i} e^{cos_ij / T}).
    const n = 3;
    const t = 0.5;
    // Every row the same vector: all cosines are 1, loss = log(2N - 1) whatever T.
    const same = Array.from({ length: n }, () => [0.3, -1.2, 2, 0.5]);
    expectClose(
      value(ntXentLoss(tf.tensor2d(same), tf.tensor2d(same), { temperature: t })),
      Math.log(2 * n - 1),
      1e-5,
      1e-5,
    );
    // Orthonormal rows: cos_ij = 0, loss = log(e^{1/T} + 2N - 2) - 1/T.
    const eye = [
      [2, 0, 0, 0],
      [0, 3, 0, 0],
      [0, 0, 0.5, 0],
    ];
    const expected = Math.log(Math.exp(1 / t) + 2 * n - 2) - 1 / t;
    expectClose(
      value(ntXentLoss(tf.tensor2d(eye), tf.tensor2d(eye), { temperature: t })),
      expected,
      1e-5,
      1e-5,
    );
  });

  it('is invariant to the scale of each row (L2-normalized inside)', () => {
    const scaled = z1.map((row, i) => row.map((v) => v * (i + 2)));
    expectClose(
      value(ntXentLoss(tf.tensor2d(scaled), tf.tensor2d(z2))),
      value(ntXentLoss(tf.tensor2d(z1), tf.tensor2d(z2))),
      1e-5,
      1e-5,
    );
  });

  it('leaks no tensors and rejects bad input', () => {
    const a = tf.tensor2d(z1);
    const b = tf.tensor2d(z2);
    expectNoLeak(() => ntXentLoss(a, b));
    expect(() => ntXentLoss(a, tf.zeros([2, 4]))).toThrow(/same shape/);
    expect(() => ntXentLoss(a, b, { temperature: 0 })).toThrow(/temperature/);
    expect(() => ntXentLoss(tf.zeros([3]), tf.zeros([3]))).toThrow(/2-D/);
  });
});
