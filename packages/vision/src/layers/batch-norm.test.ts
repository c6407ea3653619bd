import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BatchNorm } from './batch-norm';
import { expectClose, expectNoLeak, fixedValues, roundTrip } from './test-helpers';

/** Plain-JS batch norm over rows x channels (float64), biased variance. */
function bruteForce(
  x: ArrayLike<number>,
  rows: number,
  c: number,
  gamma: number[],
  beta: number[],
  eps: number,
): { y: number[]; mean: number[]; varBiased: number[] } {
  const mean = new Array<number>(c).fill(0);
  const varBiased = new Array<number>(c).fill(0);
  for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) mean[j] += x[r * c + j] / rows;
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < c; j++) varBiased[j] += (x[r * c + j] - mean[j]) ** 2 / rows;
  const y: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < c; j++)
      y.push(((x[r * c + j] - mean[j]) / Math.sqrt(varBiased[j] + eps)) * gamma[j] + beta[j]);
  return { y, mean, varBiased };
}

describe('BatchNorm', () => {
  it('normalizes with batch statistics in training and updates running stats as PyTorch', () => {
    // [2, 2, 2, 3]: 8 values per channel.
    const values = fixedValues(24, 3).map((v, i) => v * 3 + (i % 3));
    const bn = new BatchNorm({ momentum: 0.1, epsilon: 1e-5 });
    const x = tf.tensor4d(values, [2, 2, 2, 3]);
    bn.apply(x); // builds
    const gamma = [1.5, -0.5, 2];
    const beta = [0.1, 0.2, -0.3];
    const rm0 = [0.3, -0.2, 0.5];
    const rv0 = [1.2, 0.8, 2];
    bn.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.tensor1d(rm0), tf.tensor1d(rv0)]);
    const y = bn.apply(x, { training: true }) as tf.Tensor;
    const ref = bruteForce(values, 8, 3, gamma, beta, 1e-5);
    expectClose(y.dataSync(), ref.y, 1e-5, 1e-4);
    const [, , rm, rv] = bn.getWeights().map((w) => Array.from(w.dataSync()));
    // running = 0.9 * running + 0.1 * batch, with the unbiased variance (n / (n - 1)).
    expectClose(
      rm,
      rm0.map((m, j) => 0.9 * m + 0.1 * ref.mean[j]),
    );
    expectClose(
      rv,
      rv0.map((v, j) => 0.9 * v + 0.1 * ref.varBiased[j] * (8 / 7)),
    );
  });

  it('uses the running statistics at inference and leaves them unchanged', () => {
    const bn = new BatchNorm({ epsilon: 1e-3 });
    const x = tf.tensor2d(fixedValues(8, 5), [4, 2]);
    bn.apply(x);
    bn.setWeights([
      tf.tensor1d([2, 3]),
      tf.tensor1d([1, -1]),
      tf.tensor1d([0.5, -0.25]),
      tf.tensor1d([4, 0.25]),
    ]);
    const y = (bn.apply(x) as tf.Tensor).dataSync();
    const xs = x.dataSync();
    const expected = Array.from(xs, (v, i) => {
      const j = i % 2;
      const [g, b, m, s2] = [
        [2, 3],
        [1, -1],
        [0.5, -0.25],
        [4, 0.25],
      ].map((a) => a[j]);
      return ((v - m) / Math.sqrt(s2 + 1e-3)) * g + b;
    });
    expectClose(y, expected);
    expectClose(bn.getWeights()[2].dataSync(), [0.5, -0.25]);
  });

  it('has the gradient of the batch-statistics normalization (finite differences)', () => {
    const rows = 3;
    const c = 2;
    const values = Array.from(fixedValues(rows * c, 11));
    const r = Array.from(fixedValues(rows * c, 12));
    const gamma = [1.3, 0.7];
    const beta = [0.2, -0.1];
    const bn = new BatchNorm({ epsilon: 1e-5 });
    bn.apply(tf.zeros([rows, c]));
    bn.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.zeros([c]), tf.ones([c])]);
    const grad = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(bn.apply(x, { training: true }) as tf.Tensor, tf.tensor2d(r, [rows, c]))),
    )(tf.tensor2d(values, [rows, c]));
    const loss = (v: number[]): number =>
      bruteForce(v, rows, c, gamma, beta, 1e-5).y.reduce((s, y, i) => s + y * r[i], 0);
    const h = 1e-4;
    const numeric = values.map((_, i) => {
      const plus = [...values];
      const minus = [...values];
      plus[i] += h;
      minus[i] -= h;
      return (loss(plus) - loss(minus)) / (2 * h);
    });
    expectClose(grad.dataSync(), numeric, 2e-3, 2e-3);
  });

  it('omits gamma or beta when asked, and can start gamma at zero', () => {
    const noAffine = new BatchNorm({ center: false, scale: false });
    noAffine.apply(tf.zeros([2, 3]));
    expect(noAffine.trainableWeights).toHaveLength(0);
    expect(noAffine.nonTrainableWeights.map((w) => w.originalName)).toEqual([
      `${noAffine.name}/running_mean`,
      `${noAffine.name}/running_var`,
    ]);
    const scaleOnly = new BatchNorm({ center: false });
    scaleOnly.apply(tf.zeros([2, 3]));
    expect(scaleOnly.trainableWeights.map((w) => w.originalName)).toEqual([
      `${scaleOnly.name}/gamma`,
    ]);
    const zero = new BatchNorm({ gammaInit: 'zeros' });
    const y = zero.apply(tf.tensor2d([1, 2, 3, 4], [2, 2]), { training: true }) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([0, 0, 0, 0]);
  });

  it('rejects a training batch with one value per channel, and bad options', () => {
    const bn = new BatchNorm();
    expect(() => bn.apply(tf.zeros([1, 4]), { training: true })).toThrow(/more than one value/);
    expect(() => new BatchNorm({ momentum: 2 })).toThrow(/momentum/);
    expect(() => new BatchNorm({ epsilon: 0 })).toThrow(/epsilon/);
  });

  it('leaks no tensor in training or inference', () => {
    const bn = new BatchNorm();
    const x = tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 1);
    bn.apply(x);
    expectNoLeak(() => {
      bn.apply(x, { training: true });
      bn.apply(x);
    });
  });

  it('saves and loads inside a model with its configuration and statistics', async () => {
    const model = tf.sequential({
      layers: [new BatchNorm({ inputShape: [3], momentum: 0.3, center: false, epsilon: 1e-4 })],
    });
    model.apply(tf.tensor2d(fixedValues(12, 7), [4, 3]), { training: true });
    const loaded = await roundTrip(model);
    const layer = loaded.layers[0] as BatchNorm;
    expect(layer).toBeInstanceOf(BatchNorm);
    expect([layer.momentum, layer.center, layer.epsilon]).toEqual([0.3, false, 1e-4]);
    const x = tf.tensor2d(fixedValues(6, 8), [2, 3]);
    expectClose(
      (loaded.predict(x) as tf.Tensor).dataSync(),
      (model.predict(x) as tf.Tensor).dataSync(),
      0,
      0,
    );
  });
});
