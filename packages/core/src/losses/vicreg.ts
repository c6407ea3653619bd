import * as tf from '@tensorflow/tfjs';
import { assertFloat, assertNonNegative, assertRank, assertSameShape } from './internal';

/** Options of {@link vicregLoss}. */
export interface VicregLossOptions {
  /** Weight of the invariance (mean squared error) term. @defaultValue 25 */
  simCoeff?: number;
  /** Weight of the variance (std hinge) term. @defaultValue 25 */
  stdCoeff?: number;
  /** Weight of the covariance term. @defaultValue 1 */
  covCoeff?: number;
}

/**
 * The VICReg loss (Bardes, Ponce & LeCun, "VICReg: Variance-Invariance-Covariance
 * Regularization for Self-Supervised Learning", ICLR 2022).
 *
 * Follows `VICReg.forward` in facebookresearch/vicreg (`main_vicreg.py`):
 * - invariance: `mse(z1, z2)`, the mean over all N*D entries;
 * - variance: `mean(relu(1 - sqrt(var + 1e-4))) / 2` for each branch, with the unbiased
 *   variance along the batch;
 * - covariance: for each branch, the sum of the squared off-diagonal entries of
 *   `zc^T zc / (N - 1)` divided by D (the two branches are added, not averaged);
 * - loss `simCoeff * inv + stdCoeff * var + covCoeff * cov`.
 *
 * @param z1 - `[N, D]` expander outputs of the first views (N >= 2).
 * @param z2 - `[N, D]` expander outputs of the second views.
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const loss = vicregLoss(expander.apply(view1), expander.apply(view2));
 * ```
 */
export function vicregLoss(
  z1: tf.Tensor,
  z2: tf.Tensor,
  options: VicregLossOptions = {},
): tf.Scalar {
  const fn = 'vicregLoss';
  const simCoeff = options.simCoeff ?? 25;
  const stdCoeff = options.stdCoeff ?? 25;
  const covCoeff = options.covCoeff ?? 1;
  assertRank(fn, 'z1', z1, 2, '[N, D]');
  assertRank(fn, 'z2', z2, 2, '[N, D]');
  assertSameShape(fn, 'z1', z1, 'z2', z2);
  assertFloat(fn, 'z1', z1);
  assertFloat(fn, 'z2', z2);
  assertNonNegative(fn, 'simCoeff', simCoeff);
  assertNonNegative(fn, 'stdCoeff', stdCoeff);
  assertNonNegative(fn, 'covCoeff', covCoeff);
  const [n, d] = z1.shape;
  if (n < 2)
    throw new Error(`${fn}: needs a batch of at least 2 (unbiased variance), got N = ${n}`);
  return tf.tidy(() => {
    const diff = tf.sub(z1, z2);
    const invariance = tf.mean(tf.mul(diff, diff));
    const branch = (z: tf.Tensor): { std: tf.Scalar; cov: tf.Scalar } => {
      const zc = tf.sub(z, tf.mean(z, 0, true));
      const variance = tf.div(tf.sum(tf.mul(zc, zc), 0), n - 1); // diagonal of the covariance
      const std = tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(variance, 1e-4))))) as tf.Scalar;
      const cov = tf.div(tf.matMul(tf.transpose(zc), zc), n - 1); // [D, D]
      const offDiag = tf.sub(tf.sum(tf.mul(cov, cov)), tf.sum(tf.mul(variance, variance)));
      return { std, cov: tf.div(offDiag, d) as tf.Scalar };
    };
    const b1 = branch(z1);
    const b2 = branch(z2);
    const variance = tf.add(tf.div(b1.std, 2), tf.div(b2.std, 2));
    const covariance = tf.add(b1.cov, b2.cov);
    return tf.addN([
      tf.mul(invariance, simCoeff),
      tf.mul(variance, stdCoeff),
      tf.mul(covariance, covCoeff),
    ]) as tf.Scalar;
  });
}
