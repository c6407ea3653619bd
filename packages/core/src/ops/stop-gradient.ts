import * as tf from '@tensorflow/tfjs';

/**
 * Returns `x` unchanged in the forward pass and a zero gradient in the backward pass.
 * tfjs has no `stopGradient`; this is the one selfsup uses everywhere (BYOL targets, MoCo keys).
 *
 * @example
 * ```ts
 * const target = stopGradient(teacherOutput);
 * ```
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((...args: unknown[]) => ({
    value: (args[0] as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return op(x) as T;
}
