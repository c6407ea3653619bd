import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { batchNormTrain } from './batch-norm-train';
import { data, expectClose, expectWasmMatchesCpu } from './_test-utils';
import { initBackend } from './init-backend';

/** Reference: tf.moments + the formula, differentiated by tfjs's autodiff. */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
}

describe('batchNormTrain', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('normalizes per channel and returns the biased batch statistics (brute force)', async () => {
    await tf.setBackend('cpu');
    tf.tidy(() => {
      const [n, c] = [12, 3];
      const x = data([2, 2, 3, c], 1);
      const gamma = tf.tensor1d([0.5, 2, -1]);
      const beta = tf.tensor1d([0.1, 0, 3]);
      const { y, mean, variance } = batchNormTrain(x, gamma, beta, 1e-3);
      const xv = x.dataSync();
      const g = gamma.dataSync();
      const b = beta.dataSync();
      const wantY = new Float64Array(n * c);
      for (let ch = 0; ch < c; ch++) {
        let m = 0;
        for (let i = 0; i < n; i++) m += xv[i * c + ch] / n;
        let v = 0;
        for (let i = 0; i < n; i++) v += (xv[i * c + ch] - m) ** 2 / n;
        expect(mean.dataSync()[ch]).toBeCloseTo(m, 5);
        expect(variance.dataSync()[ch]).toBeCloseTo(v, 5);
        for (let i = 0; i < n; i++)
          wantY[i * c + ch] = ((xv[i * c + ch] - m) / Math.sqrt(v + 1e-3)) * g[ch] + b[ch];
      }
      expect(y.shape).toEqual(x.shape);
      expect(mean.shape).toEqual([c]);
      expectClose(y.dataSync(), wantY, 1e-5);
    });
  });

  it('gradients match autodiff through tf.moments, for x, gamma and beta', async () => {
    await tf.setBackend('cpu');
    tf.tidy(() => {
      const x = data([4, 3, 5], 2);
      const gamma = data([5], 3);
      const beta = data([5], 4);
      const w = data([4, 3, 5], 5); // a non-uniform upstream gradient
      const ours = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(batchNormTrain(a, g, b, 1e-2).y, w)),
      )([x, gamma, beta]);
      const ref = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(reference(a, g, b, 1e-2), w)),
      )([x, gamma, beta]);
      ours.forEach((t, i) => expectClose(t.dataSync(), ref[i].dataSync(), 1e-5, 1e-4));
    });
  });

  it('gives the same values and gradients on wasm as on cpu', async () => {
    await initBackend('wasm');
    await expectWasmMatchesCpu(
      () => {
        const x = data([16, 6, 6, 8], 6);
        const gamma = data([8], 7);
        const beta = data([8], 8);
        const w = data([16, 6, 6, 8], 9);
        const { y, mean, variance } = batchNormTrain(x, gamma, beta);
        const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(batchNormTrain(a, g, b).y, w)),
        )([x, gamma, beta]);
        return [y, mean, variance, ...grads];
      },
      1e-3,
      1e-3,
    );
  });

  it('leaks nothing: the statistics belong to the caller scope, the tape frees its saved tensors', async () => {
    await initBackend('wasm');
    const x = data([8, 4, 4, 3], 10);
    const gamma = tf.variable(tf.ones([3]));
    const beta = tf.variable(tf.zeros([3]));
    const before = tf.memory();
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        batchNormTrain(x, gamma, beta);
        const { grads } = tf.variableGrads(() =>
          tf.sum(tf.square(batchNormTrain(x, gamma, beta).y)),
        );
        expect(Object.keys(grads).sort()).toEqual([beta.name, gamma.name].sort());
      });
      expect(tf.memory().numTensors).toBe(before.numTensors);
      expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    }
    const kept = batchNormTrain(x, gamma, beta);
    expect(tf.memory().numTensors).toBe(before.numTensors + 3);
    tf.dispose([kept.y, kept.mean, kept.variance, x, gamma, beta]);
  });

  it('rejects mismatched shapes and a non-positive epsilon', () => {
    tf.tidy(() => {
      const x = tf.zeros([2, 3]);
      expect(() => batchNormTrain(x, tf.ones([4]), tf.zeros([3]))).toThrow(
        /gamma of shape \[3\], got \[4\]/,
      );
      expect(() => batchNormTrain(tf.zeros([3]), tf.ones([3]), tf.zeros([3]))).toThrow(/rank >= 2/);
      expect(() => batchNormTrain(x, tf.ones([3]), tf.zeros([3]), 0)).toThrow(/epsilon > 0/);
    });
  });
});
