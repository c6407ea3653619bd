import * as tf from '@tensorflow/tfjs';

/**
 * L2-normalizes along `axis` as `x / max(||x||, eps)` (PyTorch's `F.normalize`).
 *
 * @example
 * ```ts
 * const unit = l2Normalize(embeddings); // rows of norm 1
 * ```
 */
export function l2Normalize<T extends tf.Tensor>(x: T, axis = -1, eps = 1e-12): T {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.mul(x, x), axis, true));
    return tf.div(x, tf.maximum(norm, eps)) as T;
  });
}
