import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from './clip-by-global-norm';

describe('clipByGlobalNorm', () => {
  it('rescales by maxNorm / (norm + 1e-6) when the joint norm is too large', () => {
    // ‖[3, 4]‖ = 5, ‖[[12]]‖ = 12, joint norm √(25 + 144) = 13.
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) };
    const before = tf.memory().numTensors;
    const { grads: clipped, globalNorm } = clipByGlobalNorm(grads, 6.5);
    expect(globalNorm).toBeCloseTo(13, 5);
    const scale = 6.5 / (13 + 1e-6);
    Array.from(clipped.a.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([3, 4][i] * scale, 6));
    expect(clipped.b.dataSync()[0]).toBeCloseTo(12 * scale, 5);
    expect(clipped.b.shape).toEqual([1, 1]);
    expect(Array.from(grads.a.dataSync())).toEqual([3, 4]); // inputs untouched
    expect(tf.memory().numTensors).toBe(before + 2); // exactly the two returned tensors
    tf.dispose([grads, clipped]);
  });

  it('keeps the PyTorch 1e-6 in the denominator (visible for tiny norms)', () => {
    const grads = { a: tf.tensor1d([6e-7, 8e-7]) }; // norm 1e-6: scale = 1e-7 / 2e-6 = 0.05
    const { grads: out, globalNorm } = clipByGlobalNorm(grads, 1e-7);
    expect(globalNorm).toBeCloseTo(1e-6, 10);
    Array.from(out.a.dataSync()).forEach((v, i) => expect(v / [3e-8, 4e-8][i]).toBeCloseTo(1, 4));
    tf.dispose([grads, out]);
  });

  it('leaves gradients below the threshold unchanged, and handles an empty map', () => {
    const grads = { a: tf.tensor1d([3, 4]) };
    const { grads: out, globalNorm } = clipByGlobalNorm(grads, 20);
    expect(globalNorm).toBeCloseTo(5, 6);
    expect(Array.from(out.a.dataSync())).toEqual([3, 4]);
    expect(clipByGlobalNorm({}, 1)).toEqual({ grads: {}, globalNorm: 0 });
    expect(() => clipByGlobalNorm(grads, -1)).toThrow(/maxNorm must be a finite number >= 0/);
    tf.dispose([grads, out]);
  });
});
