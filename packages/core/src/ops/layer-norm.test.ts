import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, expectClose, expectWasmMatchesCpu, kernelsOf } from '../backend/_test-utils';
import { initBackend } from '../backend/init-backend';
import { nativeKernelsStatus, useNativeKernels } from '../backend/native-kernels';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNorm } from './layer-norm';

const nativeDefault = process.env.SELFSUP_NATIVE?.trim() !== '0';

/** Layer norm of x [rows, c] over c in float64, and d sum(w * y) / d(x, gamma, beta). */
function reference(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  w: ArrayLike<number>,
  c: number,
  eps: number,
) {
  const rows = x.length / c;
  const y = new Float64Array(x.length);
  const dx = new Float64Array(x.length);
  const dgamma = new Float64Array(c);
  const dbeta = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < c; j++) m += x[r * c + j] / c;
    let v = 0;
    for (let j = 0; j < c; j++) v += (x[r * c + j] - m) ** 2 / c;
    const is = 1 / Math.sqrt(v + eps);
    let meanG = 0;
    let meanGx = 0;
    for (let j = 0; j < c; j++) {
      const i = r * c + j;
      const xh = (x[i] - m) * is;
      y[i] = gamma[j] * xh + beta[j];
      dgamma[j] += w[i] * xh;
      dbeta[j] += w[i];
      meanG += (gamma[j] * w[i]) / c;
      meanGx += (gamma[j] * w[i] * xh) / c;
    }
    for (let j = 0; j < c; j++) {
      const i = r * c + j;
      dx[i] = is * (gamma[j] * w[i] - meanG - (x[i] - m) * is * meanGx);
    }
  }
  return { y, dx, dgamma, dbeta };
}

/** A tf.layers layer whose call is layerNorm, with gamma and beta as its weights. */
class TestNorm extends tf.layers.Layer {
  static className = 'TestNorm';
  gamma!: tf.LayerVariable;
  beta!: tf.LayerVariable;
  override build(shape: tf.Shape | tf.Shape[]): void {
    const c = (shape as tf.Shape)[(shape as tf.Shape).length - 1] as number;
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.constant({ value: 1.5 }));
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.constant({ value: 0.25 }));
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return layerNorm(x, this.gamma.read(), this.beta.read(), 1e-3);
  }
}

describe('layerNorm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    useNativeKernels(nativeDefault);
    await tf.setBackend('cpu');
  });

  const backends = ['cpu', 'wasm', 'wasm without native'] as const;
  async function select(backend: (typeof backends)[number]): Promise<void> {
    await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm');
    useNativeKernels(backend === 'wasm' ? nativeDefault : false);
  }

  for (const backend of backends) {
    it(`equals a float64 computation, values and gradients of x, gamma, beta (${backend})`, async () => {
      await select(backend);
      // Rank 3 over 5 channels, rank 2 with a single channel (y = beta, dx = 0), and rank 1.
      for (const [shape, eps] of [
        [[2, 3, 5], 1e-3],
        [[4, 1], 1e-5],
        [[7], 1e-5],
      ] as const) {
        tf.tidy(() => {
          const c = shape[shape.length - 1];
          const x = tf.add(tf.mul(data([...shape], 1), 3), 0.5);
          const gamma = data([c], 2);
          const beta = data([c], 3);
          const w = data([...shape], 4); // a non-uniform upstream gradient
          const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(layerNorm(a, g, b, eps), w));
          const [dx, dg, db] = tf.grads(f)([x, gamma, beta]);
          const y = layerNorm(x, gamma, beta, eps);
          const want = reference(
            x.dataSync(),
            gamma.dataSync(),
            beta.dataSync(),
            w.dataSync(),
            c,
            eps,
          );
          expect(y.shape).toEqual([...shape]);
          expectClose(y.dataSync(), want.y, 1e-5, 1e-5);
          expectClose(dx.dataSync(), want.dx, 1e-5, 1e-4);
          expectClose(dg.dataSync(), want.dgamma, 1e-5, 1e-4);
          expectClose(db.dataSync(), want.dbeta, 1e-5, 1e-4);
        });
      }
    });
  }

  it('gradients equal central finite differences of the float64 formula (cpu)', async () => {
    await tf.setBackend('cpu');
    const [rows, c, eps] = [3, 4, 1e-2];
    const x = Array.from(data([rows, c], 5).dataSync());
    const gamma = Array.from(data([c], 6).dataSync());
    const beta = Array.from(data([c], 7).dataSync());
    const w = Array.from(data([rows, c], 8).dataSync());
    const loss = (xs: number[], g: number[], b: number[]) =>
      reference(xs, g, b, w, c, eps).y.reduce((s, v, i) => s + v * w[i], 0);
    const h = 1e-5;
    const fd = (arr: number[], at: (v: number[]) => number) =>
      arr.map((_, i) => {
        const up = arr.slice();
        const down = arr.slice();
        up[i] += h;
        down[i] -= h;
        return (at(up) - at(down)) / (2 * h);
      });
    const want = [
      fd(x, (v) => loss(v, gamma, beta)),
      fd(gamma, (v) => loss(x, v, beta)),
      fd(beta, (v) => loss(x, gamma, v)),
    ];
    tf.tidy(() => {
      const wt = tf.tensor2d(w, [rows, c]);
      const got = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(layerNorm(a, g, b, eps), wt)),
      )([tf.tensor2d(x, [rows, c]), tf.tensor1d(gamma), tf.tensor1d(beta)]);
      got.forEach((t, i) => expectClose(t.dataSync(), want[i], 1e-5, 1e-4));
    });
  });

  it('gives the same values and gradients on wasm (native on and off) as on cpu, at size', async () => {
    await initBackend('wasm');
    // 36,864 elements: above native's threshold for splitting rows over threads.
    await expectWasmMatchesCpu(
      () => {
        const x = tf.add(tf.mul(data([8, 64, 72], 9), 3), 0.5);
        const gamma = data([72], 10);
        const beta = data([72], 11);
        const w = data([8, 64, 72], 12);
        const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(layerNorm(a, g, b, 1e-6), w)),
        )([x, gamma, beta]);
        return [layerNorm(x, gamma, beta, 1e-6), ...grads];
      },
      1e-4,
      1e-4,
    );
  });

  it('is one kernel each way on wasm with native (no Mean, Rsqrt or Cast), else the composed ops', async () => {
    await initBackend('wasm');
    for (const native of [true, false]) {
      useNativeKernels(native && nativeDefault);
      const kernels = kernelsOf(() =>
        tf.tidy(() => {
          const x = data([4, 6, 16], 13);
          tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(layerNorm(a, g, b)))([
            x,
            tf.ones([16]),
            tf.zeros([16]),
          ]);
        }),
      );
      // Fused where the addon is installed and not switched off (SELFSUP_NATIVE=0).
      if (native && nativeDefault && nativeKernelsStatus().available) {
        expect(kernels.filter((k) => k === LAYER_NORM_KERNEL)).toHaveLength(1);
        expect(kernels.filter((k) => k === LAYER_NORM_GRAD_KERNEL)).toHaveLength(1);
        for (const k of ['Mean', 'Rsqrt', 'Cast', 'Sub']) expect(kernels).not.toContain(k);
      } else {
        expect(kernels).not.toContain(LAYER_NORM_KERNEL);
        expect(kernels).toContain('Rsqrt');
      }
    }
    useNativeKernels(nativeDefault);
  });

  for (const backend of backends) {
    it(`stays accurate under a large offset common to a row (${backend})`, async () => {
      await select(backend);
      // Rows at 1000 + [-1, 1): float sums of x^2 would lose the variance entirely. The fused
      // kernel works relative to each row's first element (x - x0 is exact) and re-centres in
      // the backward; the composed ops lose a few ulps of 1000 (6e-5) through the float mean.
      const fused = backend === 'wasm' && nativeKernelsStatus().active;
      const tol = fused ? 1e-5 : 1e-3;
      tf.tidy(() => {
        const x = tf.add(data([16, 40], 14), 1000);
        const gamma = data([40], 15);
        const beta = data([40], 16);
        const w = data([16, 40], 17);
        const y = layerNorm(x, gamma, beta);
        const [dx, dg] = tf.grads((a: tf.Tensor, g: tf.Tensor) =>
          tf.sum(tf.mul(layerNorm(a, g, beta), w)),
        )([x, gamma]);
        const want = reference(
          x.dataSync(),
          gamma.dataSync(),
          beta.dataSync(),
          w.dataSync(),
          40,
          1e-5,
        );
        expectClose(y.dataSync(), want.y, tol, 0);
        expectClose(dx.dataSync(), want.dx, tol, 0);
        expectClose(dg.dataSync(), want.dgamma, tol, 0);
      });
    });
  }

  for (const backend of backends) {
    it(`trains a tf.layers layer's gamma and beta (variableGrads and optimizer.minimize, ${backend})`, async () => {
      await select(backend);
      const layer = new TestNorm({});
      const x = tf.add(tf.mul(data([6, 10], 18), 2), 1);
      const w = data([6, 10], 19);
      layer.apply(x); // builds the weights
      const [gammaVar, betaVar] = [layer.gamma.read(), layer.beta.read()] as tf.Variable[];
      const loss = () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar;
      const want = reference(
        x.dataSync(),
        gammaVar.dataSync(),
        betaVar.dataSync(),
        w.dataSync(),
        10,
        1e-3,
      );
      const { value, grads } = tf.variableGrads(loss);
      expect(Object.keys(grads).sort()).toEqual([betaVar.name, gammaVar.name].sort());
      expectClose(grads[gammaVar.name].dataSync(), want.dgamma, 1e-5, 1e-4);
      expectClose(grads[betaVar.name].dataSync(), want.dbeta, 1e-5, 1e-4);
      const gammaBefore = Float64Array.from(gammaVar.dataSync());
      tf.dispose([value, ...Object.values(grads)]);
      const sgd = tf.train.sgd(0.5);
      sgd.minimize(loss);
      // One SGD step: gamma -= 0.5 * dgamma.
      expectClose(
        gammaVar.dataSync(),
        gammaBefore.map((g, i) => g - 0.5 * want.dgamma[i]),
        1e-5,
        1e-4,
      );
      expectClose(
        betaVar.dataSync(),
        want.dbeta.map((d) => 0.25 - 0.5 * d),
        1e-5,
        1e-4,
      );
      sgd.dispose();
      layer.dispose();
      tf.dispose([x, w]);
    });
  }

  it('leaks no tensors over repeated forward and backward passes', async () => {
    for (const backend of backends) {
      await select(backend);
      const x = data([8, 12, 32], 20);
      const gamma = tf.variable(tf.ones([32]));
      const beta = tf.variable(tf.zeros([32]));
      const step = () =>
        tf.tidy(() => {
          layerNorm(x, gamma, beta);
          const { value, grads } = tf.variableGrads(() =>
            tf.sum(tf.square(layerNorm(x, gamma, beta))),
          );
          return [value, ...Object.values(grads)];
        });
      tf.dispose(step());
      const before = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) {
        tf.dispose(step());
        expect(tf.memory().numTensors).toBe(before);
      }
      tf.dispose([x, gamma, beta]);
    }
  });

  it('the registered kernels compute the same with native off (their tf-op fallback)', async () => {
    await initBackend('wasm');
    const shape = [3, 5, 9];
    const outs: Float32Array[][] = [];
    for (const native of nativeKernelsStatus().available ? [true, false] : [false]) {
      useNativeKernels(native);
      outs.push(
        tf.tidy(() => {
          const x = tf.add(data(shape, 21), 4);
          const gamma = data([9], 22);
          const beta = data([9], 23);
          const dy = data(shape, 24);
          const [y, mean, invStd] = tf
            .engine()
            .runKernel(LAYER_NORM_KERNEL, { x, gamma, beta }, { epsilon: 1e-5 }) as tf.Tensor[];
          expect(mean.shape).toEqual([3, 5]);
          const grads = tf
            .engine()
            .runKernel(LAYER_NORM_GRAD_KERNEL, { dy, x, mean, invStd, gamma }) as tf.Tensor[];
          const want = reference(
            x.dataSync(),
            gamma.dataSync(),
            beta.dataSync(),
            dy.dataSync(),
            9,
            1e-5,
          );
          expectClose(y.dataSync(), want.y, 1e-5, 1e-5);
          expectClose(grads[0].dataSync(), want.dx, 1e-5, 1e-4);
          expectClose(grads[1].dataSync(), want.dgamma, 1e-5, 1e-4);
          expectClose(grads[2].dataSync(), want.dbeta, 1e-5, 1e-4);
          return [y, mean, invStd, ...grads].map((t) => Float32Array.from(t.dataSync()));
        }),
      );
    }
    useNativeKernels(nativeDefault);
    if (outs.length === 2) outs[0].forEach((o, i) => expectClose(o, outs[1][i], 1e-5, 1e-5));
  });

  it('rejects a scalar, gamma or beta not of shape [C], and a bad epsilon', () => {
    tf.tidy(() => {
      const x = tf.zeros([2, 3]);
      expect(() => layerNorm(x, tf.ones([4]), tf.zeros([3]))).toThrow(
        /expected gamma of shape \[3\] \(the last axis of x \[2,3\]\), got \[4\]/,
      );
      expect(() => layerNorm(x, tf.ones([3]), tf.zeros([1, 3]))).toThrow(/beta of shape \[3\]/);
      expect(() => layerNorm(tf.scalar(1), tf.ones([1]), tf.zeros([1]))).toThrow(/rank >= 1/);
      expect(() => layerNorm(x, tf.ones([3]), tf.zeros([3]), 0)).toThrow(/epsilon > 0, got 0/);
    });
  });
});
