import * as tf from '@tensorflow/tfjs';

/**
 * GELU with the tanh approximation (as in BERT and GPT-2); tfjs-core has no `gelu` op.
 * Written with `x * x * x` rather than `tf.pow`, which is slow on wasm.
 *
 * @example
 * ```ts
 * const y = gelu(tf.tensor1d([-1, 0, 1]));
 * ```
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const cube = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
  });
}
