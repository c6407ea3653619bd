import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gelu, l2Normalize, stopGradient } from './index';

describe('ops', () => {
  it('stopGradient passes values and blocks gradients', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.add(tf.mul(a, a), stopGradient(tf.mul(a, a)))))(
      x,
    );
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, 2, 3]);
  });

  it('l2Normalize gives unit rows and leaves zero rows at zero', () => {
    const y = l2Normalize(
      tf.tensor2d([
        [3, 4],
        [0, 0],
      ]),
    );
    expect(Array.from(y.dataSync())).toEqual([0.6, 0.8, 0, 0].map((v) => Math.fround(v)));
  });

  it('gelu matches the tanh formula', () => {
    const xs = [-2, -0.5, 0, 0.7, 3];
    const expected = xs.map(
      (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
    );
    const got = gelu(tf.tensor1d(xs)).dataSync();
    xs.forEach((_, i) => expect(got[i]).toBeCloseTo(expected[i], 5));
  });

  it('leaks no tensors', () => {
    const x = tf.randomNormal([4, 3]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      stopGradient(x);
      l2Normalize(x);
      gelu(x);
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
