import * as tf from '@tensorflow/tfjs';
import { l2Normalize, stopGradient } from '../ops/index';
import { assertFloat, assertRank, assertSameShape } from './internal';

/**
 * The SimSiam loss (Chen & He, "Exploring Simple Siamese Representation Learning", CVPR 2021),
 * one direction: `-mean_i cos(p_i, stopgrad(z_i))`.
 *
 * Follows facebookresearch/simsiam (`main_simsiam.py` and `simsiam/builder.py`):
 * `-nn.CosineSimilarity(dim=1)(p, z.detach()).mean()`. The stop-gradient on `z` is what keeps
 * SimSiam from collapsing. SimSiam averages both directions:
 * `0.5 * (negativeCosineSimilarity(p1, z2) + negativeCosineSimilarity(p2, z1))`.
 *
 * @param p - `[N, D]` predictor outputs.
 * @param z - `[N, D]` projections of the other view (stop-gradient).
 * @returns The scalar loss, in [-1, 1].
 *
 * @example
 * ```ts
 * const loss = tf.mul(tf.add(negativeCosineSimilarity(p1, z2), negativeCosineSimilarity(p2, z1)), 0.5);
 * ```
 */
export function negativeCosineSimilarity(p: tf.Tensor, z: tf.Tensor): tf.Scalar {
  const fn = 'negativeCosineSimilarity';
  assertRank(fn, 'p', p, 2, '[N, D]');
  assertRank(fn, 'z', z, 2, '[N, D]');
  assertSameShape(fn, 'p', p, 'z', z);
  assertFloat(fn, 'p', p);
  assertFloat(fn, 'z', z);
  return tf.tidy(() => {
    const cos = tf.sum(tf.mul(l2Normalize(p), l2Normalize(stopGradient(z))), 1);
    return tf.neg(tf.mean(cos)) as tf.Scalar;
  });
}
