import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { logSumExp } from './log-sum-exp';

describe('logSumExp', () => {
  it('equals a float64 computation on each axis, large logits included', () => {
    const rows = [
      [0, 0, 0],
      [1, 2, 3],
      [1000, 1000, -1000],
    ];
    const x = tf.tensor2d(rows);
    const ref = (v: number[]) => {
      const m = Math.max(...v);
      return m + Math.log(v.reduce((s, t) => s + Math.exp(t - m), 0));
    };
    const last = logSumExp(x).dataSync();
    rows.forEach((r, i) => expect(last[i]).toBeCloseTo(ref(r), 4));
    const first = logSumExp(x, 0).dataSync();
    [0, 1, 2].forEach((j) => expect(first[j]).toBeCloseTo(ref(rows.map((r) => r[j])), 4));
    expect(logSumExp(tf.tensor1d([-Infinity, 0])).dataSync()[0]).toBeCloseTo(0, 6);
    expect(logSumExp(tf.tensor1d([-Infinity, -Infinity])).dataSync()[0]).toBe(-Infinity);
  });

  it('has the gradient of tf.logSumExp, and finite differences agree', () => {
    const x = tf.tensor3d([0.3, -1.2, 2.0, 0.5, 0.1, -0.4, 1.5, 1.5, -2, 0.7, 0.2, 0.9], [2, 2, 3]);
    const w = tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]);
    for (const axis of [-1, 1, 0]) {
      // Distinct weights per output element, so that every gradient entry differs.
      const outShape = x.shape.filter((_, i) => i !== (axis + 3) % 3);
      const wt = tf.reshape(tf.linspace(-1, 2, outShape[0] * outShape[1]), outShape);
      const a = tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(logSumExp(t, axis), wt)))(x)
        .dataSync();
      const b = tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.logSumExp(t, axis), wt)))(x)
        .dataSync();
      a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    }
    // Finite differences on one element, last axis.
    const f = (t: tf.Tensor) => tf.sum(tf.mul(logSumExp(t), w)).dataSync()[0];
    const g = tf
      .grad((t: tf.Tensor) => tf.sum(tf.mul(logSumExp(t), w)))(x)
      .dataSync();
    const base = x.dataSync().slice();
    const h = 1e-2;
    const plus = base.slice();
    plus[4] += h;
    const minus = base.slice();
    minus[4] -= h;
    const fd = (f(tf.tensor3d(plus, [2, 2, 3])) - f(tf.tensor3d(minus, [2, 2, 3]))) / (2 * h);
    expect(g[4]).toBeCloseTo(fd, 3);
  });

  it('rejects a scalar and an axis out of range', () => {
    expect(() => logSumExp(tf.scalar(1))).toThrow(/rank >= 1/);
    expect(() => logSumExp(tf.ones([2, 2]), 2)).toThrow(/axis 2 is out of range for rank 2/);
  });
});
