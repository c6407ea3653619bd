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

  it('adds a residual and applies a relu when asked: relu(bn(x) + r), training and inference', () => {
    const values = fixedValues(48, 8).map((v, i) => v * 2 + (i % 4));
    const residual = fixedValues(48, 9);
    const x = tf.tensor4d(values, [3, 2, 2, 4]);
    const r = tf.tensor4d(residual, [3, 2, 2, 4]);
    const gamma = [1.5, -0.5, 2, 0.7];
    const beta = [0.1, 0.2, -0.3, 0];
    const rm = [0.3, -0.2, 0.5, 1];
    const rv = [1.2, 0.8, 2, 0.5];
    const setup = (bn: BatchNorm) => {
      bn.apply([x, r]);
      bn.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.tensor1d(rm), tf.tensor1d(rv)]);
    };
    const fused = new BatchNorm({ activation: 'relu', epsilon: 1e-5 });
    setup(fused);
    // Training: batch statistics (brute force), then + r and the relu.
    const ref = bruteForce(values, 12, 4, gamma, beta, 1e-5);
    const want = ref.y.map((v, i) => Math.max(0, v + residual[i]));
    const y = fused.apply([x, r], { training: true }) as tf.Tensor;
    expect(y.shape).toEqual([3, 2, 2, 4]);
    expectClose(y.dataSync(), want);
    expect(want.filter((v) => v === 0).length).toBeGreaterThan(5); // the relu clips some
    // The running statistics moved exactly as without the residual.
    const plain = new BatchNorm({ epsilon: 1e-5 });
    plain.apply(x);
    plain.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.tensor1d(rm), tf.tensor1d(rv)]);
    plain.apply(x, { training: true });
    fused
      .getWeights()
      .forEach((w, i) => expectClose(w.dataSync(), plain.getWeights()[i].dataSync()));
    // Inference: running statistics.
    const inf = new BatchNorm({ activation: 'relu', epsilon: 1e-5 });
    setup(inf);
    const z = inf.apply([x, r]) as tf.Tensor;
    const wantZ = Array.from(values, (v, i) => {
      const c = i % 4;
      return Math.max(
        0,
        ((v - rm[c]) / Math.sqrt(rv[c] + 1e-5)) * gamma[c] + beta[c] + residual[i],
      );
    });
    expectClose(z.dataSync(), wantZ);
    // Relu without a residual.
    const onlyRelu = new BatchNorm({ activation: 'relu' });
    const u = onlyRelu.apply(x, { training: true }) as tf.Tensor;
    expect(Math.min(...u.dataSync())).toBe(0);
    tf.dispose([x, r, y, z, u]);
  });

  it('gradients through the fused layer reach x, the residual, gamma and beta as the separate ops', () => {
    const x = tf.tensor4d(fixedValues(48, 10), [3, 2, 2, 4]);
    const r = tf.tensor4d(fixedValues(48, 11), [3, 2, 2, 4]);
    const w = tf.tensor4d(fixedValues(48, 12), [3, 2, 2, 4]);
    const fused = new BatchNorm({ activation: 'relu' });
    const plain = new BatchNorm();
    fused.apply([x, r]);
    plain.apply(x);
    const loss = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(f(a, b), w));
    const got = tf.grads(loss((a, b) => fused.apply([a, b], { training: true }) as tf.Tensor))([
      x,
      r,
    ]);
    const want = tf.grads(
      loss((a, b) => tf.relu(tf.add(plain.apply(a, { training: true }) as tf.Tensor, b))),
    )([x, r]);
    got.forEach((g, i) => expectClose(g.dataSync(), want[i].dataSync()));
    const vg = (layer: BatchNorm, f: () => tf.Tensor) => {
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(f(), w)) as tf.Scalar,
        layer.trainableWeights.map((v) => v.read() as tf.Variable),
      );
      return Object.values(grads).map((g) => Array.from(g.dataSync()));
    };
    const gf = vg(fused, () => fused.apply([x, r], { training: true }) as tf.Tensor);
    const gp = vg(plain, () => tf.relu(tf.add(plain.apply(x, { training: true }) as tf.Tensor, r)));
    gf.forEach((g, i) => expectClose(g, gp[i]));
    tf.dispose([x, r, w, ...got, ...want]);
  });

  it('rejects a residual of another shape and an unknown activation, naming the layer', () => {
    const bn = new BatchNorm({ name: 'bn_res' });
    expect(() =>
      bn.apply([tf.input({ shape: [4, 4, 3] }), tf.input({ shape: [4, 4, 2] })]),
    ).toThrow(
      /BatchNorm bn_res: the residual's shape \[null, 4, 4, 2\] differs from the input's \[null, 4, 4, 3\]/,
    );
    expect(() => new BatchNorm({ activation: 'gelu' as never })).toThrow(/activation must be/);
  });

  it('saves and loads its activation with the model', async () => {
    const input = tf.input({ shape: [3, 3, 2] });
    const shortcut = tf.input({ shape: [3, 3, 2] });
    const out = new BatchNorm({ activation: 'relu', name: 'bn_io' }).apply([input, shortcut]);
    const model = tf.model({ inputs: [input, shortcut], outputs: out as tf.SymbolicTensor });
    const loaded = await roundTrip(model);
    expect(loaded.getLayer('bn_io').getConfig()).toMatchObject({ activation: 'relu' });
    const xs = [
      tf.tensor4d(fixedValues(36, 13), [2, 3, 3, 2]),
      tf.tensor4d(fixedValues(36, 14), [2, 3, 3, 2]),
    ];
    const a = model.predict(xs) as tf.Tensor;
    const b = loaded.predict(xs) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([...xs, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
