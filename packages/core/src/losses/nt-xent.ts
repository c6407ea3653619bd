import * as tf from '@tensorflow/tfjs';
import { logSumExp } from '../ops/log-sum-exp';
import { l2Normalize } from '../ops/index';
import {
  assertFloat,
  assertPositive,
  assertRank,
  assertSameShape,
  LARGE_NEGATIVE,
} from './internal';

/** Options of {@link ntXentLoss}. */
export interface NtXentLossOptions {
  /** Softmax temperature. @defaultValue 0.5 (lightly's default; SimCLR used 0.1 on ImageNet). */
  temperature?: number;
}

/**
 * NT-Xent, the normalized temperature-scaled cross-entropy of SimCLR (Chen et al., "A Simple
 * Framework for Contrastive Learning of Visual Representations", ICML 2020).
 *
 * Follows `add_contrastive_loss` in google-research/simclr (`objective.py`) and lightly's
 * `NTXentLoss`: both views are L2-normalized, the 2N x 2N cosine similarities are divided by the
 * temperature, each row's self-similarity is pushed out of the softmax (SimCLR subtracts 1e9),
 * and the cross-entropy of each of the 2N anchors against its other view is averaged.
 *
 * The official code returns `loss_a + loss_b`, each a mean over N anchors, i.e. twice this value;
 * the mean over 2N (as lightly and solo-learn do) keeps the scale independent of the view count.
 *
 * @param z1 - `[N, D]` projections of the first views.
 * @param z2 - `[N, D]` projections of the second views (row i is the positive of `z1` row i).
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const loss = ntXentLoss(projector.apply(view1), projector.apply(view2), { temperature: 0.5 });
 * ```
 */
export function ntXentLoss(
  z1: tf.Tensor,
  z2: tf.Tensor,
  options: NtXentLossOptions = {},
): tf.Scalar {
  const fn = 'ntXentLoss';
  const temperature = options.temperature ?? 0.5;
  assertRank(fn, 'z1', z1, 2, '[N, D]');
  assertRank(fn, 'z2', z2, 2, '[N, D]');
  assertSameShape(fn, 'z1', z1, 'z2', z2);
  assertFloat(fn, 'z1', z1);
  assertFloat(fn, 'z2', z2);
  assertPositive(fn, 'temperature', temperature);
  return tf.tidy(() => {
    const n = z1.shape[0];
    const a = l2Normalize(z1);
    const b = l2Normalize(z2);
    const z = tf.concat([a, b], 0); // [2N, D]
    // Plain 2-D matMul of an explicit transpose: the fast path on wasm.
    const sim = tf.div(tf.matMul(z, tf.transpose(z)), temperature);
    const logits = tf.add(sim, tf.mul(tf.eye(2 * n), LARGE_NEGATIVE));
    const positives = tf.div(tf.sum(tf.mul(a, b), 1), temperature); // [N]
    const lse = logSumExp(logits, 1); // [2N]
    return tf.mean(tf.sub(lse, tf.concat([positives, positives], 0))) as tf.Scalar;
  });
}
