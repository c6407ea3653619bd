import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { mocoV3Loss } from './moco-v3';
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

/** MoCo v3 by loops: logits q_i . k_j / T over the batch, target i, times 2T. */
function reference(q: Mat, k: Mat, temperature: number): number {
  const kn = k.map(normalize);
  let total = 0;
  for (let i = 0; i < q.length; i++) {
    const qi = normalize(q[i]);
    const logits = kn.map((kj) => dot(qi, kj) / temperature);
    total += logSumExp(logits) - logits[i];
  }
  return (total / q.length) * 2 * temperature;
}

describe('mocoV3Loss', () => {
  const rng = createRng(3);
  const q = f32(randMatrix(rng, 3, 4));
  const k = f32(randMatrix(rng, 3, 4));

  it('matches the brute-force loss (with the 2T factor), temperature 1 by default', () => {
    expectClose(
      value(mocoV3Loss(tf.tensor2d(q), tf.tensor2d(k), { temperature: 0.2 })),
      reference(q, k, 0.2),
      1e-5,
      1e-5,
    );
    expectClose(value(mocoV3Loss(tf.tensor2d(q), tf.tensor2d(k))), reference(q, k, 1), 1e-5, 1e-5);
  });

  it('has the brute-force gradient for q and none for k', () => {
    const [gq, gk] = tfGrads(
      (a, b) => mocoV3Loss(a, b, { temperature: 0.2 }),
      [tf.tensor2d(q), tf.tensor2d(k)],
    );
    expectClose(
      gq,
      numericGrad((x: Mat) => reference(x, k, 0.2), q, [3, 4]),
      1e-4,
      1e-3,
    );
    expect(gk.every((v) => v === 0)).toBe(true);
  });

  it('leaks no tensors and rejects bad input', () => {
    const a = tf.tensor2d(q);
    const b = tf.tensor2d(k);
    expectNoLeak(() => mocoV3Loss(a, b));
    expect(() => mocoV3Loss(a, tf.zeros([3, 5]))).toThrow(/same shape/);
  });
});
