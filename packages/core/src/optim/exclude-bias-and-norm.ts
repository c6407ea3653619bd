import type * as tf from '@tensorflow/tfjs';

/** Decides per variable whether an optimizer treats it specially (e.g. no weight decay). */
export type VariablePredicate = (variable: tf.Variable) => boolean;

/**
 * The default exclusion rule of AdamW (weight decay) and LARS (weight decay and trust-ratio
 * adaptation): variables of rank <= 1, i.e. biases and normalization scales/offsets (and scalars
 * such as a learnable temperature). This is the rule solo-learn (`p.ndim == 1`), lightly and the
 * SimCLR/BYOL recipes use; a 1-D variable is a bias or a norm parameter in every standard layer.
 *
 * @example
 * ```ts
 * const opt = new AdamW({ learningRate: 1e-3, excludeFromWeightDecay: excludeBiasAndNorm });
 * excludeBiasAndNorm(tf.variable(tf.zeros([64])));     // true  (bias)
 * excludeBiasAndNorm(tf.variable(tf.zeros([3, 64])));  // false (kernel)
 * ```
 */
export function excludeBiasAndNorm(variable: tf.Variable): boolean {
  return variable.rank <= 1;
}
