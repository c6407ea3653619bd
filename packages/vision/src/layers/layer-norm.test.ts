import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { LayerNorm } from './layer-norm';
import { expectClose, expectNoLeak, fixedValues, roundTrip } from './test-helpers';

describe('LayerNorm', () => {
  it('normalizes each token over its last axis (biased variance), then scales and shifts', () => {
    const d = 4;
    const values = fixedValues(2 * 3 * d, 2).map((v, i) => v * (1 + (i % 5)));
    const norm = new LayerNorm({ epsilon: 1e-6 });
    norm.apply(tf.zeros([2, 3, d]));
    const gamma = [1, 2, -1, 0.5];
    const beta = [0, 0.1, 0.2, -0.3];
    norm.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta)]);
    const y = (norm.apply(tf.tensor3d(values, [2, 3, d])) as tf.Tensor).dataSync();
    const expected: number[] = [];
    for (let t = 0; t < 6; t++) {
      const row = Array.from(values.slice(t * d, (t + 1) * d));
      const mean = row.reduce((a, b) => a + b, 0) / d;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
      row.forEach((v, j) =>
        expected.push(((v - mean) / Math.sqrt(variance + 1e-6)) * gamma[j] + beta[j]),
      );
    }
    expectClose(y, expected);
  });

  it('defaults to PyTorch epsilon 1e-5, leaks nothing, and round-trips', async () => {
    expect(new LayerNorm().epsilon).toBe(1e-5);
    const model = tf.sequential({ layers: [new LayerNorm({ inputShape: [5], epsilon: 1e-6 })] });
    model.layers[0].setWeights([tf.tensor1d(fixedValues(5, 4)), tf.tensor1d(fixedValues(5, 5))]);
    const x = tf.tensor2d(fixedValues(10, 6), [2, 5]);
    expectNoLeak(() => {
      model.predict(x);
    });
    const loaded = await roundTrip(model);
    expect((loaded.layers[0] as LayerNorm).epsilon).toBe(1e-6);
    expectClose(
      (loaded.predict(x) as tf.Tensor).dataSync(),
      (model.predict(x) as tf.Tensor).dataSync(),
      0,
      0,
    );
  });
});
