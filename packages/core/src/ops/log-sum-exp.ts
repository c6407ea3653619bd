import * as tf from '@tensorflow/tfjs';

/**
 * `log(sum(exp(x), axis))`, stable (the axis maximum is factored out), with the closed-form
 * gradient `dy * softmax(x)`. `tf.logSumExp` differentiates through its maximum as well, which
 * costs an `Equal` and a select over all of x for a term that cancels (on wasm, a [512, 512]
 * NT-Xent similarity spent ~60 ms a step in that broadcast `Equal`).
 *
 * @param x Logits, any rank >= 1.
 * @param axis The axis to reduce (negative counts from the end). Default: the last.
 * @returns x with `axis` removed.
 *
 * @example
 * ```ts
 * const lse = logSumExp(tf.tensor2d([[0, 0], [1, 2]])); // [log 2, 2 + log(1 + e^-1)]
 * ```
 */
export function logSumExp<T extends tf.Tensor>(x: T, axis = -1): tf.Tensor {
  const rank = x.shape.length;
  if (rank < 1) throw new Error('logSumExp: expected a tensor of rank >= 1, got a scalar');
  const ax = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= rank) {
    throw new Error(`logSumExp: axis ${axis} is out of range for rank ${rank}`);
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    // The maximum carries no gradient here: it only keeps exp from overflowing.
    const m = tf.max(input, ax, true);
    const finiteM = tf.where(tf.isFinite(m), m, tf.zerosLike(m));
    const lseKept = tf.add(tf.log(tf.sum(tf.exp(tf.sub(input, finiteM)), ax, true)), finiteM);
    save([input, lseKept]);
    return {
      value: tf.squeeze(lseKept, [ax]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, lse] = saved;
        return tf.mul(tf.expandDims(dy, ax), tf.exp(tf.sub(xs, lse)));
      },
    };
  });
  return op(x);
}
