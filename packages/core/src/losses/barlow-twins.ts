import * as tf from '@tensorflow/tfjs';
import {
  assertFloat,
  assertNonNegative,
  assertPositive,
  assertRank,
  assertSameShape,
} from './internal';

/** Options of {@link barlowTwinsLoss}. */
export interface BarlowTwinsLossOptions {
  /** Weight of the off-diagonal (redundancy reduction) term. @defaultValue 0.0051 */
  lambda?: number;
  /**
   * Factor on the whole loss. The current official code has none (1); its first releases used
   * `--scale-loss` 1/32 and then 0.024 together with different learning rates. @defaultValue 1
   */
  scaleLoss?: number;
}

/** BatchNorm1d's epsilon (the official code normalizes with `nn.BatchNorm1d(affine=False)`). */
const BN_EPS = 1e-5;

/**
 * The Barlow Twins loss (Zbontar et al., "Barlow Twins: Self-Supervised Learning via Redundancy
 * Reduction", ICML 2021).
 *
 * Follows `BarlowTwins.forward` in facebookresearch/barlowtwins (`main.py`): each view is
 * standardized along the batch as `nn.BatchNorm1d(affine=False)` does in training mode (batch
 * mean, biased batch variance, eps 1e-5); the cross-correlation is `bn(z1)^T bn(z2) / N`; the
 * loss is `sum_i (1 - c_ii)^2 + lambda * sum_{i != j} c_ij^2`. The scale factor defaults to 1 as
 * in the current official `main.py` (which dropped `--scale-loss`).
 *
 * @param z1 - `[N, D]` projections of the first views.
 * @param z2 - `[N, D]` projections of the second views.
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const loss = barlowTwinsLoss(projector.apply(view1), projector.apply(view2), { lambda: 0.0051 });
 * ```
 */
export function barlowTwinsLoss(
  z1: tf.Tensor,
  z2: tf.Tensor,
  options: BarlowTwinsLossOptions = {},
): tf.Scalar {
  const fn = 'barlowTwinsLoss';
  const lambda = options.lambda ?? 0.0051;
  const scaleLoss = options.scaleLoss ?? 1;
  assertRank(fn, 'z1', z1, 2, '[N, D]');
  assertRank(fn, 'z2', z2, 2, '[N, D]');
  assertSameShape(fn, 'z1', z1, 'z2', z2);
  assertFloat(fn, 'z1', z1);
  assertFloat(fn, 'z2', z2);
  assertNonNegative(fn, 'lambda', lambda);
  assertPositive(fn, 'scaleLoss', scaleLoss);
  const n = z1.shape[0];
  if (n < 2) throw new Error(`${fn}: needs a batch of at least 2 to normalize, got N = ${n}`);
  return tf.tidy(() => {
    const bn = (z: tf.Tensor): tf.Tensor => {
      const centered = tf.sub(z, tf.mean(z, 0, true));
      const variance = tf.mean(tf.mul(centered, centered), 0, true);
      return tf.div(centered, tf.sqrt(tf.add(variance, BN_EPS)));
    };
    const a = bn(z1);
    const b = bn(z2);
    const c = tf.div(tf.matMul(tf.transpose(a), b), n); // [D, D]
    const diag = tf.div(tf.sum(tf.mul(a, b), 0), n); // c_ii without materializing an eye(D)
    const onDiag = tf.sum(tf.square(tf.sub(diag, 1)));
    const offDiag = tf.sub(tf.sum(tf.mul(c, c)), tf.sum(tf.mul(diag, diag)));
    return tf.mul(tf.add(onDiag, tf.mul(offDiag, lambda)), scaleLoss) as tf.Scalar;
  });
}
