import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { infoNCELoss } from './info-nce';
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

/** MoCo's InfoNCE by loops: q, k normalized, negatives as given, target 0. */
function reference(q: Mat, k: Mat, negatives: Mat, temperature: number): number {
  let total = 0;
  for (let i = 0; i < q.length; i++) {
    const qi = normalize(q[i]);
    const logits = [dot(qi, normalize(k[i])), ...negatives.map((n) => dot(qi, n))].map(
      (l) => l / temperature,
    );
    total += logSumExp(logits) - logits[0];
  }
  return total / q.length;
}

describe('infoNCELoss', () => {
  const rng = createRng(2);
  const q = f32(randMatrix(rng, 3, 4));
  const k = f32(randMatrix(rng, 3, 4));
  // A queue holds normalized keys; use raw rows here to check they are taken as given.
  const negatives = f32(randMatrix(rng, 5, 4, 0.5));
  const args = (): [tf.Tensor, tf.Tensor, tf.Tensor] => [
    tf.tensor2d(q),
    tf.tensor2d(k),
    tf.tensor2d(negatives),
  ];

  it('matches the brute-force loss, temperature 0.07 by default', () => {
    expectClose(
      value(infoNCELoss(...args(), { temperature: 0.2 })),
      reference(q, k, negatives, 0.2),
      1e-5,
      1e-5,
    );
    expectClose(value(infoNCELoss(...args())), reference(q, k, negatives, 0.07), 1e-4, 1e-5);
  });

  it('has the brute-force gradient for q and none for k or the negatives', () => {
    const [gq, gk, gn] = tfGrads((a, b, c) => infoNCELoss(a, b, c, { temperature: 0.2 }), args());
    expectClose(
      gq,
      numericGrad((x: Mat) => reference(x, k, negatives, 0.2), q, [3, 4]),
      1e-4,
      1e-3,
    );
    expect(gk.every((v) => v === 0)).toBe(true);
    expect(gn.every((v) => v === 0)).toBe(true);
  });

  it('leaks no tensors and rejects bad input', () => {
    const [a, b, c] = args();
    expectNoLeak(() => infoNCELoss(a, b, c));
    expect(() => infoNCELoss(a, b, tf.zeros([5, 3]))).toThrow(/negatives/);
    expect(() => infoNCELoss(a, tf.zeros([2, 4]), c)).toThrow(/same shape/);
    expect(() => infoNCELoss(a, b, c, { temperature: -1 })).toThrow(/temperature/);
  });
});
