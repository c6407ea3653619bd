import * as tf from '@tensorflow/tfjs';
import { logSumExp } from '../ops/log-sum-exp';
import { l2Normalize, stopGradient } from '../ops/index';
import { assertFloat, assertPositive, assertRank, assertSameShape, formatShape } from './internal';

/** Options of {@link infoNCELoss}. */
export interface InfoNCELossOptions {
  /**
   * Softmax temperature. @defaultValue 0.07 (MoCo v1's `--moco-t`; MoCo v2 trains with 0.2).
   */
  temperature?: number;
}

/**
 * InfoNCE with a queue of negatives, the loss of MoCo (He et al., "Momentum Contrast for
 * Unsupervised Visual Representation Learning", CVPR 2020) and MoCo v2.
 *
 * Follows `MoCo.forward` in facebookresearch/moco (`moco/builder.py`): `q` and `k` are
 * L2-normalized, the logits are `[q.k | q negatives^T] / T`, and the cross-entropy with target 0
 * is averaged over the N queries. `negatives` are used as given: MoCo's queue already holds
 * normalized keys. The keys and the negatives come from the momentum encoder and receive no
 * gradient (the official code computes them under `torch.no_grad()`).
 *
 * @param q - `[N, D]` queries (online encoder).
 * @param k - `[N, D]` keys (momentum encoder); row i is the positive of query i.
 * @param negatives - `[K, D]` negative keys (the queue), one per row.
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const loss = infoNCELoss(q, k, queue.keys(), { temperature: 0.2 });
 * ```
 */
export function infoNCELoss(
  q: tf.Tensor,
  k: tf.Tensor,
  negatives: tf.Tensor,
  options: InfoNCELossOptions = {},
): tf.Scalar {
  const fn = 'infoNCELoss';
  const temperature = options.temperature ?? 0.07;
  assertRank(fn, 'q', q, 2, '[N, D]');
  assertRank(fn, 'k', k, 2, '[N, D]');
  assertSameShape(fn, 'q', q, 'k', k);
  assertRank(fn, 'negatives', negatives, 2, '[K, D]');
  assertFloat(fn, 'q', q);
  assertFloat(fn, 'k', k);
  if (negatives.dtype !== 'float32') {
    throw new Error(`${fn}: negatives must be a float32 tensor, got dtype ${negatives.dtype}`);
  }
  if (negatives.shape[1] !== q.shape[1]) {
    throw new Error(
      `${fn}: negatives must be [K, ${q.shape[1]}] to match q's feature size, got ${formatShape(negatives.shape)}`,
    );
  }
  assertPositive(fn, 'temperature', temperature);
  return tf.tidy(() => {
    const qn = l2Normalize(q);
    const kn = l2Normalize(stopGradient(k));
    const neg = stopGradient(negatives);
    const lPos = tf.div(tf.sum(tf.mul(qn, kn), 1, true), temperature); // [N, 1]
    const lNeg = tf.div(tf.matMul(qn, tf.transpose(neg)), temperature); // [N, K]
    const logits = tf.concat([lPos, lNeg], 1);
    return tf.mean(tf.sub(logSumExp(logits, 1), tf.squeeze(lPos, [1]))) as tf.Scalar;
  });
}
