import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWasmMatchesCpu, kernelsOf } from '../backend/_test-utils';
import { initBackend } from '../backend/init-backend';
import { nativeKernelsStatus, useNativeKernels } from '../backend/native-kernels';
import { RELU_GRAD_KERNEL, registerReluGradient } from './relu-gradient';

const nativeDefault = process.env.SELFSUP_NATIVE?.trim() !== '0';

/** d sum(w * relu(x)) / dx, and the kernels it ran. */
function reluGrad(values: number[]): { dx: number[]; kernels: string[] } {
  const x = tf.tensor1d(values);
  const w = tf.tensor1d(values.map((_, i) => i + 1));
  try {
    let dx: number[] = [];
    const kernels = kernelsOf(() => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), w)))(x);
      dx = Array.from(g.dataSync());
      g.dispose();
    });
    return { dx, kernels };
  } finally {
    tf.dispose([x, w]);
  }
}

describe('registerReluGradient', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    registerReluGradient();
  });
  afterAll(async () => {
    useNativeKernels(nativeDefault);
    await tf.setBackend('cpu');
  });

  // Above NATIVE_BINARY_MIN_SIZE, for the native kernel (small tensors take the ops fallback).
  const n = 20000;
  const values = Array.from({ length: n }, (_, i) => ((i * 37) % 101) - 50);
  values[5] = NaN;
  const want = values.map((v, i) => (Number.isNaN(v) ? NaN : v > 0 ? i + 1 : 0));

  for (const backend of ['cpu', 'wasm', 'wasm without native'] as const) {
    it(`is w where x > 0, 0 at and below 0, NaN at NaN (${backend})`, async () => {
      await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm');
      useNativeKernels(backend === 'wasm' ? nativeDefault : false);
      const { dx, kernels } = reluGrad(values);
      expect(dx).toEqual(want);
      // One fused kernel where the backend has it (cpu: tf ops, as before).
      if (backend !== 'cpu') expect(kernels).toContain(RELU_GRAD_KERNEL);
      // Native computes it in that one kernel: no Step (tfjs: Step, Cast and Multiply).
      if (backend === 'wasm' && nativeKernelsStatus().active) expect(kernels).not.toContain('Step');
      // Small inputs (below the native size threshold) agree as well.
      expect(reluGrad([-2, 0, 3, NaN]).dx).toEqual([0, 0, 3, NaN]);
    });
  }

  it('matches cpu inside a conv net gradient on wasm, with and without native', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 4, 8], 0, 1, 'float32', 4) as tf.Tensor4D;
      return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))),
      )([x, w]);
    });
  });

  it('leaks no tensors', async () => {
    await tf.setBackend('wasm');
    useNativeKernels(nativeDefault);
    const x = tf.randomNormal([64, 128]);
    const step = () => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(x)).dispose();
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
