import * as tf from '@tensorflow/tfjs';

/**
 * The kernel that {@link registerReluGradient}'s gradient runs where the backend has it: selfsup
 * registers it on wasm (inputs `a` = dy and `b` = x, output dy where x > 0, else 0).
 */
export const RELU_GRAD_KERNEL = 'SelfsupReluGrad';

let registered = false;

/**
 * Replaces tfjs's gradient of `Relu` (`tf.relu`, the `'relu'` activation of tfjs-layers), which
 * is `dy * cast(step(x))`: three passes over the activation (Step, Cast, Multiply; ~100 ms of a
 * ResNet-18 step on wasm). Where the backend has {@link RELU_GRAD_KERNEL} (wasm, after
 * {@link registerWasmTrainingKernels}) it is one pass, on `@selfsup/native` when active; elsewhere
 * the same formula without the cast of a float32 step. Values are unchanged: dy where x > 0, 0
 * where x <= 0, NaN where x is NaN. Idempotent; {@link initBackend} calls it.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { registerReluGradient } from '@selfsup/core';
 * registerReluGradient();
 * const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.relu(x)))(tf.tensor1d([-1, 0, 2])); // [0, 0, 1]
 * ```
 */
export function registerReluGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [x] = saved;
      return { x: () => reluGradient(dy as tf.Tensor, x) };
    },
  });
}

/** dy where x > 0, else 0 (NaN where x is NaN). */
function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    return tf.mul(dy, tf.cast(tf.step(x), dy.dtype));
  }
  if (tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(RELU_GRAD_KERNEL, { a: dy, b: x }) as tf.Tensor;
  }
  return tf.mul(dy, tf.step(x));
}
