import * as tf from '@tensorflow/tfjs';
import { l2Normalize, stopGradient } from '../ops/index';
import { assertFloat, assertRank, assertSameShape } from './internal';

/**
 * The BYOL regression loss (Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020), one
 * direction: the mean over the batch of `||p/||p|| - z/||z||||^2 = 2 - 2 cos(p, z)`.
 *
 * Follows `regression_loss` in google-deepmind/deepmind-research (`byol/utils/helpers.py`), which
 * is the squared distance of the normalized vectors, averaged over the batch by
 * `byol_experiment.py`. The target projection `z` (from the EMA target network) receives no
 * gradient. BYOL sums both directions: `byolLoss(p1, z2) + byolLoss(p2, z1)`.
 *
 * @param p - `[N, D]` online predictions.
 * @param z - `[N, D]` target projections (stop-gradient).
 * @returns The scalar loss, in [0, 4].
 *
 * @example
 * ```ts
 * const loss = tf.add(byolLoss(p1, z2), byolLoss(p2, z1));
 * ```
 */
export function byolLoss(p: tf.Tensor, z: tf.Tensor): tf.Scalar {
  const fn = 'byolLoss';
  assertRank(fn, 'p', p, 2, '[N, D]');
  assertRank(fn, 'z', z, 2, '[N, D]');
  assertSameShape(fn, 'p', p, 'z', z);
  assertFloat(fn, 'p', p);
  assertFloat(fn, 'z', z);
  return tf.tidy(() => {
    const diff = tf.sub(l2Normalize(p), l2Normalize(stopGradient(z)));
    return tf.mean(tf.sum(tf.mul(diff, diff), 1)) as tf.Scalar;
  });
}
