import * as tf from '@tensorflow/tfjs';
import { logSumExp } from '../ops/log-sum-exp';
import { l2Normalize, stopGradient } from '../ops/index';
import { assertFloat, assertPositive, assertRank, assertSameShape } from './internal';

/** Options of {@link mocoV3Loss}. */
export interface MocoV3LossOptions {
  /**
   * Softmax temperature. @defaultValue 1.0 (the official `--moco-t` default, used for ResNets;
   * the official ViT recipes use 0.2).
   */
  temperature?: number;
}

/**
 * The in-batch contrastive loss of MoCo v3 (Chen, Xie & He, "An Empirical Study of Training
 * Self-Supervised Vision Transformers", ICCV 2021), one direction.
 *
 * Follows `MoCo.contrastive_loss` in facebookresearch/moco-v3 (`moco/builder.py`): `q` and `k`
 * are L2-normalized, the logits are `q k^T / T` over the batch, the targets are `arange(N)`
 * (query i matches key i; the other keys of the batch are its negatives), and the mean
 * cross-entropy is multiplied by `2 T`, as the official code does. The keys come from the momentum
 * encoder and receive no gradient. The symmetric MoCo v3 objective is
 * `mocoV3Loss(q1, k2) + mocoV3Loss(q2, k1)`.
 *
 * @param q - `[N, D]` predictor outputs of the online encoder.
 * @param k - `[N, D]` momentum-encoder outputs for the other view.
 * @returns The scalar loss.
 *
 * @example
 * ```ts
 * const loss = tf.add(mocoV3Loss(q1, k2, { temperature: 0.2 }), mocoV3Loss(q2, k1, { temperature: 0.2 }));
 * ```
 */
export function mocoV3Loss(q: tf.Tensor, k: tf.Tensor, options: MocoV3LossOptions = {}): tf.Scalar {
  const fn = 'mocoV3Loss';
  const temperature = options.temperature ?? 1.0;
  assertRank(fn, 'q', q, 2, '[N, D]');
  assertRank(fn, 'k', k, 2, '[N, D]');
  assertSameShape(fn, 'q', q, 'k', k);
  assertFloat(fn, 'q', q);
  assertFloat(fn, 'k', k);
  assertPositive(fn, 'temperature', temperature);
  return tf.tidy(() => {
    const qn = l2Normalize(q);
    const kn = l2Normalize(stopGradient(k));
    const logits = tf.div(tf.matMul(qn, tf.transpose(kn)), temperature); // [N, N]
    const positives = tf.div(tf.sum(tf.mul(qn, kn), 1), temperature); // diagonal, [N]
    const ce = tf.mean(tf.sub(logSumExp(logits, 1), positives));
    return tf.mul(ce, 2 * temperature) as tf.Scalar;
  });
}
