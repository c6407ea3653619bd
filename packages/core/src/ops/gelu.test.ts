import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectWasmMatchesCpu, kernelsOf } from '../backend/_test-utils';
import { initBackend } from '../backend/init-backend';
import { nativeKernelsStatus, useNativeKernels } from '../backend/native-kernels';
import { GELU_GRAD_KERNEL, GELU_KERNEL, gelu } from './gelu';

const nativeDefault = process.env.SELFSUP_NATIVE?.trim() !== '0';

/** erf in float64 by its Maclaurin series (accurate to ~1e-9 for |u| <= 4.5). */
function erf64(u: number): number {
  if (Math.abs(u) > 6) return Math.sign(u);
  let term = u;
  let sum = u;
  for (let k = 1; k < 300; k++) {
    term *= (-u * u) / k;
    sum += term / (2 * k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const gelu64 = (v: number) => 0.5 * v * (1 + erf64(v / Math.SQRT2));
const dgelu64 = (v: number) =>
  0.5 * (1 + erf64(v / Math.SQRT2)) + (v * Math.exp((-v * v) / 2)) / Math.sqrt(2 * Math.PI);

describe("gelu with { approximate: 'none' } (exact, erf)", () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    useNativeKernels(nativeDefault);
    await tf.setBackend('cpu');
  });

  const backends = ['cpu', 'wasm', 'wasm without native'] as const;
  // From the far negative tail to the far positive one, through the series/tail switch of erf.
  const xs = Array.from({ length: 241 }, (_, i) => -6 + i * 0.05);
  xs.push(1e-6, -3e-5, 0.7071, -0.7072, 20, -20);

  for (const backend of backends) {
    it(`equals 0.5 x (1 + erf(x / sqrt 2)) and its derivative in float64 (${backend})`, async () => {
      await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm');
      useNativeKernels(backend === 'wasm' ? nativeDefault : false);
      tf.tidy(() => {
        const x = tf.tensor1d(xs);
        const w = tf.tensor1d(xs.map((_, i) => 1 + (i % 5) / 2)); // non-uniform upstream gradient
        const y = gelu(x, { approximate: 'none' });
        const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t, { approximate: 'none' }), w)))(
          x,
        );
        const wv = w.dataSync();
        const fx = Float32Array.from(xs); // the float32 inputs the backends see
        expectClose(y.dataSync(), Array.from(fx, gelu64), 1e-6, 1e-6);
        expectClose(
          dx.dataSync(),
          Array.from(fx, (v, i) => wv[i] * dgelu64(v)),
          2e-6,
          1e-6,
        );
      });
    });
  }

  it('keeps the tanh approximation as the default, and differs from it', async () => {
    await tf.setBackend('cpu');
    tf.tidy(() => {
      const x = tf.tensor1d([-2, -1, 0.5, 1, 3]);
      const tanh = (v: number) =>
        0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
      const xv = Array.from(x.dataSync());
      expectClose(gelu(x).dataSync(), xv.map(tanh), 1e-6, 1e-6);
      expectClose(gelu(x, { approximate: 'tanh' }).dataSync(), xv.map(tanh), 1e-6, 1e-6);
      const exact = gelu(x, { approximate: 'none' }).dataSync();
      expect(Math.abs(exact[1] - tanh(-1))).toBeGreaterThan(1e-4); // -0.15866 vs -0.15881
    });
  });

  it('gradient equals central finite differences of the float64 formula (cpu)', async () => {
    await tf.setBackend('cpu');
    const pts = [-3.1, -1.2, -0.4, 0, 0.3, 0.9, 2.5];
    const h = 1e-5;
    tf.tidy(() => {
      const dx = tf.grad((t: tf.Tensor) => tf.sum(gelu(t, { approximate: 'none' })))(
        tf.tensor1d(pts),
      );
      const fd = Array.from(
        Float32Array.from(pts),
        (v) => (gelu64(v + h) - gelu64(v - h)) / (2 * h),
      );
      expectClose(dx.dataSync(), fd, 1e-6, 1e-5);
    });
  });

  it('gives the same values and gradients on wasm (native on and off) as on cpu, at size', async () => {
    await initBackend('wasm');
    // 73,728 elements: above native's threshold for splitting over threads.
    await expectWasmMatchesCpu(
      () => {
        const x = tf.mul(tf.randomNormal([96, 768], 0, 1, 'float32', 5), 3);
        const w = tf.randomNormal([96, 768], 0, 1, 'float32', 6);
        const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t, { approximate: 'none' }), w)))(
          x,
        );
        return [gelu(x, { approximate: 'none' }), dx];
      },
      2e-6,
      1e-5,
    );
  });

  it('is one kernel each way on wasm with native (no Erf), else the composed ops', async () => {
    await initBackend('wasm');
    for (const native of [true, false]) {
      useNativeKernels(native && nativeDefault);
      const kernels = kernelsOf(() =>
        tf.tidy(() => {
          tf.grad((t: tf.Tensor) => tf.sum(gelu(t, { approximate: 'none' })))(
            tf.linspace(-3, 3, 50),
          );
        }),
      );
      // Fused where the addon is installed and not switched off (SELFSUP_NATIVE=0).
      if (native && nativeDefault && nativeKernelsStatus().available) {
        expect(kernels.filter((k) => k === GELU_KERNEL)).toHaveLength(1);
        expect(kernels.filter((k) => k === GELU_GRAD_KERNEL)).toHaveLength(1);
        expect(kernels).not.toContain('Erf');
      } else {
        expect(kernels).not.toContain(GELU_KERNEL);
        expect(kernels).toContain('Erf');
      }
    }
    useNativeKernels(nativeDefault);
  });

  it('the registered kernels compute the same with native off (their tf-op fallback)', async () => {
    await initBackend('wasm');
    for (const native of nativeKernelsStatus().available ? [true, false] : [false]) {
      useNativeKernels(native);
      tf.tidy(() => {
        const x = tf.tensor1d(xs);
        const dy = tf.tensor1d(xs.map((_, i) => (i % 3) - 1));
        const y = tf.engine().runKernel(GELU_KERNEL, { x }) as tf.Tensor;
        const dx = tf.engine().runKernel(GELU_GRAD_KERNEL, { dy, x }) as tf.Tensor;
        const fx = Float32Array.from(xs);
        const dyv = dy.dataSync();
        expectClose(y.dataSync(), Array.from(fx, gelu64), 1e-6, 1e-6);
        expectClose(
          dx.dataSync(),
          Array.from(fx, (v, i) => dyv[i] * dgelu64(v)),
          2e-6,
          1e-6,
        );
      });
    }
    useNativeKernels(nativeDefault);
  });

  it('leaks no tensors over repeated forward and backward passes', async () => {
    for (const backend of backends) {
      await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm');
      useNativeKernels(backend === 'wasm' ? nativeDefault : false);
      const x = tf.variable(tf.linspace(-4, 4, 4096).reshape([64, 64]));
      const step = () =>
        tf.tidy(() => {
          gelu(x, { approximate: 'none' });
          const { value, grads } = tf.variableGrads(() =>
            tf.sum(tf.square(gelu(x, { approximate: 'none' }))),
          );
          return [value, ...Object.values(grads)];
        });
      tf.dispose(step());
      const before = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) {
        tf.dispose(step());
        expect(tf.memory().numTensors).toBe(before);
      }
      x.dispose();
    }
    useNativeKernels(nativeDefault);
  });

  it('rejects an unknown approximation', () => {
    const x = tf.zeros([2]);
    expect(() => gelu(x, { approximate: 'erf' as 'none' })).toThrow(
      /expected approximate 'tanh' or 'none', got 'erf'/,
    );
    x.dispose();
  });
});
